"""The app's four tabs: 起草讲话, 我的稿件, 范文库, 设置."""
