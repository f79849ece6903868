"""The Streamlit frame shared by every page: session, sign-in, filters, navigation, forms.

Only `app.py`, `app_pages/` and this package import streamlit; `cxos` decides, `ui` renders.
"""
