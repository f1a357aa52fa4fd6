"""What a Word template may not contain: anything that reaches outside the document.

Every generated document carries its template's parts, so a template with a remote template
(`attachedTemplate`), a linked picture or object, a sub-document, an embedded file, an OLE or
ActiveX object, macros, or a field that reads other files (INCLUDETEXT, INCLUDEPICTURE, DDE,
LINK) would make every firm's document fetch or run something when a clerk opens it. Any
external relationship is refused, hyperlinks included: an official form has no use for one,
and a rule without exceptions is one the administrator can check. A DTD or entity declaration
(billion laughs, external entities) is refused in every XML part before anything parses it.
"""
from __future__ import annotations

import re
import zipfile

from lxml import etree

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_O = "urn:schemas-microsoft-com:office:office"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Never parses a DTD, resolves an entity or reads the network, whatever the part says.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False)

# Relationship types (the last part of the Type URI), internal or external.
_RELATIONSHIPS = {
    "attachedTemplate": "附加了外部模板（attachedTemplate）",
    "subDocument": "含有子文档（主控文档）",
    "aFChunk": "含有嵌入的外部内容块（altChunk）",
    "oleObject": "含有嵌入或链接的 OLE 对象",
    "package": "含有嵌入的文件",
    "control": "含有 ActiveX 控件",
    "activeXControlBinary": "含有 ActiveX 控件",
    "vbaProject": "含有宏（VBA）",
    "wordVbaData": "含有宏（VBA）",
    "frame": "含有引用其他文档的框架",
}
_ELEMENTS = {
    f"{{{_W}}}attachedTemplate": "附加了外部模板（attachedTemplate）",
    f"{{{_W}}}subDoc": "含有子文档（主控文档）",
    f"{{{_W}}}altChunk": "含有嵌入的外部内容块（altChunk）",
    f"{{{_O}}}OLEObject": "含有嵌入或链接的 OLE 对象",
    f"{{{_W}}}control": "含有 ActiveX 控件",
}
_PART_PREFIXES = {"word/embeddings/": "含有嵌入的文件或对象", "word/activeX/": "含有 ActiveX 控件",
                  "word/vbaProject": "含有宏（VBA）"}
# Fields that read another file or program when the document is opened or its fields updated.
_FIELDS = re.compile(r"\s*(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|IMPORT|DDEAUTO|DDE|LINK)\b",
                     re.IGNORECASE)
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _declares(data: bytes) -> bool:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # a UTF-16 part
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return True
    return bool(_DECLARATION.search(data))


def _field_codes(root) -> list[str]:
    """The instruction of every field in a part: a complex field's w:instrText runs between its
    begin and separate marks (Word splits one instruction over several runs; fields nest), and
    every simple field's w:instr."""
    codes, open_fields = [], []
    for el in root.iter(f"{{{_W}}}fldChar", f"{{{_W}}}instrText", f"{{{_W}}}fldSimple"):
        if el.tag == f"{{{_W}}}fldSimple":
            codes.append(el.get(f"{{{_W}}}instr", ""))
        elif el.tag == f"{{{_W}}}instrText":
            if open_fields:
                open_fields[-1] += el.text or ""
            else:  # an instruction outside any field mark: judged on its own
                codes.append(el.text or "")
        elif el.get(f"{{{_W}}}fldCharType") == "begin":
            open_fields.append("")
        elif el.get(f"{{{_W}}}fldCharType") == "end" and open_fields:
            codes.append(open_fields.pop())
    return codes + open_fields


def unsafe_content(zf: zipfile.ZipFile) -> list[str]:
    """Why the template's parts are not safe to copy into every document (empty: they are)."""
    problems: list[str] = []

    def add(message: str) -> None:
        if message not in problems:
            problems.append(message)

    for info in zf.infolist():
        name = info.filename
        for prefix, what in _PART_PREFIXES.items():
            if name.startswith(prefix):
                add(f"模板{what}（{name}），请删除后再上传")
        if not name.endswith((".xml", ".rels")) and name != "[Content_Types].xml":
            continue
        data = zf.read(info)
        if _declares(data):
            add(f"模板的 {name} 含有 DTD 或实体声明，不能使用")
            continue
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError:
            add(f"模板的 {name} 已损坏，无法读取")
            continue
        if name == "[Content_Types].xml" and b"macroEnabled" in data:
            add("模板含有宏（启用宏的文档），请另存为“Word 文档 (*.docx)”后再上传")
        if name.endswith(".rels"):
            for rel in root.iter(f"{{{_RELS}}}Relationship"):
                kind = rel.get("Type", "").rsplit("/", 1)[-1]
                target = rel.get("Target", "")
                if kind in _RELATIONSHIPS:
                    add(f"模板{_RELATIONSHIPS[kind]}，不能使用；请在 Word 中删除后再上传")
                elif rel.get("TargetMode", "").lower() == "external":
                    shown = target if len(target) <= 60 else target[:60] + "…"
                    add(f"模板含有指向外部的链接（{shown}），Word 打开文书时可能访问该地址；"
                        "请删除超链接、链接的图片或对象后再上传")
            continue
        for element in root.iter(*_ELEMENTS):
            add(f"模板{_ELEMENTS[element.tag]}，不能使用；请在 Word 中删除后再上传")
        for code in _field_codes(root):
            if m := _FIELDS.match(code):
                add(f"模板含有 {m.group(1).upper()} 域，会读取其他文件或程序，不能使用；"
                    "请删除该域后再上传")
            if "{{" in code or "{%" in code:
                add("模板的域代码中含有模板字段，记录内容会被当作域代码执行，不能使用")
    return problems
