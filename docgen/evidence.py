"""Evidence photo pages: two photos per A4 page, upright, downscaled, each captioned with what
it shows, when it was taken (EXIF) and the sample number."""
from __future__ import annotations

from docgen.formatting import chinese_datetime
from docgen.layout import CONTENT_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_H, Page, add_footers
from docgen.photos import PhotoLimits, print_copy
from docgen.records import Sampling
from docgen.textflow import Measurer, wrap

PHOTOS_PER_PAGE = 2
TITLE = "抽样现场照片"


def photo_pages(sampling: Sampling, m: Measurer, *, max_side: int, limits: PhotoLimits) -> list[Page]:
    """Pages showing the sampling's photos; the original files are only read."""
    fonts = m.fonts
    pages: list[Page] = []
    slot_h = (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 60) / PHOTOS_PER_PAGE
    for n, photo in enumerate(sampling.photos):
        if n % PHOTOS_PER_PAGE == 0:
            page = Page()
            pages.append(page)
            title = wrap([(TITLE, False)], CONTENT_W, 16, fonts.hei, m)[0]
            top = PAGE_H - MARGIN_TOP - 18
            page.ops.append(("text", MARGIN_X + (CONTENT_W - title.width) / 2, top, title, 16))
            head = wrap([(f"抽样单编号：{sampling.sample_no}　受检单位：{sampling.enterprise.name}", False)],
                        CONTENT_W, 10, fonts.song, m)
            for k, line in enumerate(head):
                page.ops.append(("text", MARGIN_X, top - 24 - 13 * k, line, 10))
        copy = print_copy(photo.file, max_side=max_side, limits=limits)
        info, data, w, h = copy.info, copy.jpeg, copy.width, copy.height
        slot_top = PAGE_H - MARGIN_TOP - 60 - (n % PHOTOS_PER_PAGE) * slot_h
        caption = [f"照片{n + 1}：{photo.caption or '（无说明）'}",
                   f"拍摄时间：{chinese_datetime(info.taken_at) if info.taken_at else '照片未记录'}"
                   + (f"　位置：北纬{info.gps[0]:.5f}° 东经{info.gps[1]:.5f}°" if info.gps else "")
                   + f"　抽样单编号：{sampling.sample_no}"]
        lines = [ln for text in caption for ln in wrap([(text, False)], CONTENT_W, 9.5, fonts.song, m)]
        room_h = slot_h - 14 * len(lines) - 12
        scale = min(CONTENT_W / w, room_h / h)
        iw, ih = w * scale, h * scale
        x = MARGIN_X + (CONTENT_W - iw) / 2
        y = slot_top - ih
        page.ops.append(("image", data, x, y, iw, ih))
        page.ops.append(("rect", x, y, iw, ih, 0.5))
        for k, line in enumerate(lines):
            page.ops.append(("text", MARGIN_X + (CONTENT_W - line.width) / 2, y - 13 - 13 * k, line, 9.5))
    return add_footers(pages, f"{sampling.sample_no}　{sampling.enterprise.name}　{TITLE}", m)
