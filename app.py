"""ML-Battle Leaderboards: `streamlit run app.py`. Navigation only; each page in pages/ also runs on its own."""

import streamlit as st

from mlbattle import web

st.set_page_config(page_title=web.APP_TITLE, page_icon="🏆", layout="wide")

navigation = st.navigation(
    [
        st.Page(web.PAGES["home"][0], title="Home", icon="🏠", default=True),
        st.Page(web.PAGES["leaderboard"][0], title="Leaderboard", icon="📊", url_path=web.PAGES["leaderboard"][1]),
        st.Page(web.PAGES["event"][0], title="Event standings", icon="🏆", url_path=web.PAGES["event"][1]),
        st.Page(web.PAGES["season"][0], title="Season", icon="📈", url_path=web.PAGES["season"][1]),
        st.Page(web.PAGES["participants"][0], title="Participants", icon="🙋", url_path=web.PAGES["participants"][1]),
        st.Page(web.PAGES["admin"][0], title="Admin", icon="🔐", url_path=web.PAGES["admin"][1]),
        st.Page(web.PAGES["screen"][0], title="Big screen", icon="📽️", url_path=web.PAGES["screen"][1]),
    ]
)
navigation.run()
