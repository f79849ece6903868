"""Figures shared between sessions reach the browser exactly as plotly writes them."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from ui.steering import prepared

    def figure() -> go.Figure:
        # Text that plotly escapes on its way out (<, >, /, line separators), and numbers.
        names = ["<b>Care</b>", "Sales/Retail", "Line\u2028break", "Zoë"]
        return go.Figure(go.Scatter(x=[1, 2.5, 3, 4], y=[4, 3, 2, 1], text=names))

    shared = prepared(figure())
    st.plotly_chart(shared, key="shared_first")
    st.plotly_chart(shared, key="shared_again")  # a second rerun's worth, from the cache
    st.plotly_chart(figure(), key="plain")


def test_a_prepared_figure_is_sent_as_plotly_writes_it_on_every_use() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    first, again, plain = (chart.proto.spec for chart in at.get("plotly_chart"))
    assert first == again == plain
    assert "<b>" not in first and "\\u003cb\\u003eCare" in first
