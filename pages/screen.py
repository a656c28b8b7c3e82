"""Big screen (`?competition=SLUG`, or `?event=SLUG&every=20` to cycle the event's boards and standings): the
room's projector, no sidebar, large type, refreshing itself. The drawing is in `mlbattle.web.screen`."""

import streamlit as st

from mlbattle import web

cfg = web.page("Big screen", banner=False)
web.screen.show(cfg, st.query_params)
