"""The classroom guide: how to use the playground in class, and ready-made scenes."""

from __future__ import annotations

import streamlit as st

from linreg_core.lessons import LESSONS
from ui.share import qr_png, scene_link

GUIDE = """
**Before the lecture.** Open a page, set the scene (data, learning rate, epochs…), press
**Share** at the top right and copy the link: it holds every setting, so everyone who opens
it sees the same data and the same animation. Identical scenes are computed once on the server
and shared, so a whole class opening one link at once is cheap.

**On the projector.** Add `present=1` to the link (the Share box has it ready): large type,
the sidebar closed, charts sized for a projector. Students scan the QR code in the Share box.

**Locking what students should not change.** Add `lock=` with setting names, e.g.
`lock=lr,epochs`: those controls are shown but fixed.

**During the lecture.** Press ▶ Play under a chart: the browser plays the animation, the
server is not involved per frame. Drag the slider to scrub, use ◀ Step / Step ▶ to walk epoch
by epoch, and open *Show the math* to put the notes' gradient formula, with that epoch's
numbers, next to PyTorch's `.grad`.
"""


def main() -> None:
    st.markdown("### In class")
    st.markdown(GUIDE)

    st.markdown("### Ready-made scenes")
    for lesson in LESSONS:
        with st.container(border=True):
            left, right = st.columns([4, 1])
            with left:
                st.markdown(f"**{lesson.title}**")
                st.markdown(f"*Ask:* {lesson.ask}")
                st.markdown(f"*They will see:* {lesson.see}")
                st.page_link(lesson.page, label="Open this scene →", query_params=lesson.params)
                link = scene_link(lesson.params, lesson.url_path)
                st.code(link, language=None, wrap_lines=True)
            with right:
                st.image(qr_png(link), width=140)
