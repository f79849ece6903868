"""The Streamlit frame shared by every page: session, sign-in, filters, navigation, forms.

Only `app.py`, `pages/` and this package import streamlit; `cxos` decides, `ui` renders.
"""
