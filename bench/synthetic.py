"""Synthetic trips of any size, shaped like the demo trip, for benchmarks."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from docgen.identifiers import uscc_check_char

DEMO = Path(__file__).resolve().parent.parent / "docgen" / "demo"
_PLACES = "晋城泽州高平阳城沁水陵川张家港青浦朱家角华新徐泾金村凤城龙港崇文"
_WORDS = "鑫达华通永兴恒远宏泰金鼎优选清源惠民蓝泉电缆线缆电工器材五金电料科技实业"
_SUFFIX = ("有限公司", "股份有限公司", "经销部", "电器商行", "制造有限公司")
_PRODUCTS = ("聚氯乙烯绝缘电线", "额定电压450/750V及以下聚氯乙烯绝缘软电缆", "铜芯聚氯乙烯绝缘电线",
             "架空绝缘电缆", "电力电缆")


def credit_code(rng: random.Random) -> str:
    body = "9114" + f"{rng.randrange(10**4):04d}" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
                                                           for _ in range(9))
    return body + uscc_check_char(body)


def make_trip(firms: int, folder: Path, seed: int = 2021, photos: bool = True) -> Path:
    """Write a trip of `firms` visits (90% sampled, 5% refused, 5% no sample) into `folder`."""
    rng = random.Random(seed)
    base = json.loads((DEMO / "trip-jincheng-cable.json").read_text(encoding="utf-8"))
    templates = {s["outcome"]: s for s in base["samplings"]}
    sampled_photo = base["samplings"][0]
    folder.mkdir(parents=True, exist_ok=True)
    if photos:
        shutil.copytree(DEMO / "photos", folder / "photos", dirs_exist_ok=True)
    samplings = []
    for n in range(1, firms + 1):
        roll = rng.random()
        outcome = "refused" if roll < 0.05 else "no_sample" if roll < 0.10 else "sampled"
        s = json.loads(json.dumps(templates[outcome] if outcome != "sampled" else sampled_photo))
        s["sample_no"] = f"ZJG2021{n:05d}"
        name = rng.choice(_PLACES[::2]) + "".join(rng.sample(_WORDS, 4)) + rng.choice(_SUFFIX)
        s["enterprise"].update(name=name, credit_code=credit_code(rng),
                               address=f"江苏省张家港市{rng.choice(_PLACES[::2])}镇工业路{n}号")
        if outcome == "sampled":
            s["product"]["name"] = rng.choice(_PRODUCTS)
            s["product"]["batch"] = f"{rng.randrange(2020, 2022)}{rng.randrange(1, 13):02d}{n:04d}"
            s["unit_price"] = f"{rng.randrange(500, 200000) / 100:.2f}"
            if not photos:
                s["photos"] = []
        samplings.append(s)
    base["samplings"] = samplings
    path = folder / "trip.json"
    path.write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
    return path
