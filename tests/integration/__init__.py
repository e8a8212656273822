"""Deep tests: real processes, a real browser, a real Chroma server, the page through AppTest, large inputs."""
