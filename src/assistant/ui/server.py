"""What `make run` and `make run-lan` start: the page (app.py) behind the login page (ui/web_gate.py).

`streamlit run src/assistant/ui/server.py` finds ``app`` below and serves it as an ASGI app, so
the login check runs in front of every Streamlit endpoint, in the same process as the page.
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from assistant.ui.web_gate import LoginGate

APP_SCRIPT = Path(__file__).resolve().parents[3] / "app.py"

app = st.App(str(APP_SCRIPT), middleware=[Middleware(LoginGate)])
