"""约谈讲话写作助手: retrieve reference speeches and draft accountability-meeting speeches."""
