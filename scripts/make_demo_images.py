"""Draw the demo's sample pictures (issue 10) with Pillow: flat illustrations made by this
project, no photos, no third-party artwork. The result is committed under
newsletter/demo/sources/images/; run again only to change them:

    .venv/bin/python scripts/make_demo_images.py

Sizes vary on purpose (landscape, a portrait, a 4:3, a small one, PNG charts) so the demo
shows the crop to 16:9 and the resize at work.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

import font_source_sans_pro
from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "newsletter" / "demo" / "sources" / "images"
NAVY, ORANGE, SKY, SAND = (11, 61, 92), (229, 114, 47), (170, 205, 228), (236, 226, 204)
GREEN, GREY, WHITE, STEEL = (120, 170, 110), (90, 100, 110), (255, 255, 255), (160, 170, 180)

Draw = ImageDraw.ImageDraw


def gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    w, h = size
    column = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(h - 1, 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize((w, h))


def ground(d: Draw, w: int, h: int, level: float, colour: tuple[int, int, int]) -> int:
    y = int(h * level)
    d.rectangle((0, y, w, h), fill=colour)
    return y


def factory(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    y = ground(d, w, h, 0.72, (96, 120, 96))
    left = int(w * 0.12)
    width = int(w * 0.62)
    d.rectangle((left, y - int(h * 0.28), left + width, y), fill=(200, 196, 188))
    teeth = 6
    for i in range(teeth):
        x0 = left + i * width // teeth
        x1 = left + (i + 1) * width // teeth
        top = y - int(h * 0.28)
        d.polygon([(x0, top), (x1, top - int(h * 0.09)), (x1, top)], fill=(150, 160, 170))
    for i in range(2):
        cx = left + width + int(w * 0.05) + i * int(w * 0.07)
        d.rectangle((cx, y - int(h * 0.5), cx + int(w * 0.03), y), fill=(170, 90, 70))
        for k in range(3):
            r = int(h * 0.03) + k * int(h * 0.012)
            d.ellipse((cx - r + k * 18, y - int(h * 0.55) - k * r * 1.4 - r, cx + r + k * 18,
                       y - int(h * 0.55) - k * r * 1.4 + r), fill=(235, 238, 242))
    for i in range(8):
        x = left + 20 + i * (width - 40) // 8
        d.rectangle((x, y - int(h * 0.16), x + width // 14, y - int(h * 0.08)), fill=(90, 140, 180))


def robot(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    y = ground(d, w, h, 0.78, (120, 124, 130))
    d.rectangle((int(w * 0.1), y - 40, int(w * 0.9), y - 10), fill=(70, 76, 84))  # conveyor
    for i in range(5):
        x = int(w * 0.15) + i * int(w * 0.15)
        d.rectangle((x, y - 100, x + 70, y - 40), fill=(196, 150, 90))
    base = (int(w * 0.55), y - 40)
    d.rectangle((base[0] - 60, base[1] - 30, base[0] + 60, base[1]), fill=NAVY)
    joints = [base, (base[0] - 120, base[1] - int(h * 0.35)), (base[0] + 110, base[1] - int(h * 0.48)),
              (base[0] + 190, base[1] - int(h * 0.32))]
    for a, b in zip(joints, joints[1:], strict=False):
        d.line((a, b), fill=ORANGE, width=int(h * 0.055))
    for x, yy in joints:
        r = int(h * 0.04)
        d.ellipse((x - r, yy - r, x + r, yy + r), fill=(60, 64, 70))
    gx, gy = joints[-1]
    d.line(((gx - 30, gy + 20), (gx - 30, gy + 70)), fill=(60, 64, 70), width=14)
    d.line(((gx + 30, gy + 20), (gx + 30, gy + 70)), fill=(60, 64, 70), width=14)


def harbour(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    water = int(h * 0.66)
    img.paste(gradient((w, h - water), (70, 120, 160), (30, 70, 110)), (0, water))
    d.rectangle((0, water - 30, int(w * 0.5), water + 10), fill=(140, 140, 135))
    cx = int(w * 0.3)
    d.rectangle((cx, int(h * 0.2), cx + 24, water - 30), fill=ORANGE)
    d.rectangle((cx - 200, int(h * 0.2), cx + 260, int(h * 0.2) + 22), fill=ORANGE)
    d.line(((cx + 200, int(h * 0.2) + 22), (cx + 200, int(h * 0.45))), fill=(40, 40, 40), width=4)
    hull = [(int(w * 0.42), water + 5), (int(w * 0.95), water + 5), (int(w * 0.9), water + 70), (int(w * 0.46), water + 70)]
    d.polygon(hull, fill=(150, 40, 40))
    colours = [(200, 80, 50), (40, 110, 160), (220, 180, 60), (90, 150, 90), (230, 230, 230)]
    for row in range(3):
        for col in range(7):
            x = int(w * 0.47) + col * int(w * 0.062)
            yy = water - 5 - (row + 1) * 42
            d.rectangle((x, yy, x + int(w * 0.058), yy + 38), fill=rnd.choice(colours))


def wind(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    d.ellipse((-w * 0.2, h * 0.62, w * 0.7, h * 1.3), fill=GREEN)
    d.ellipse((w * 0.35, h * 0.68, w * 1.3, h * 1.4), fill=(100, 150, 95))
    for i, (fx, scale) in enumerate(((0.25, 1.0), (0.55, 0.8), (0.8, 0.65))):
        x, top = int(w * fx), int(h * (0.18 + 0.08 * i))
        bottom = int(h * 0.75)
        d.polygon([(x - 8 * scale, bottom), (x + 8 * scale, bottom), (x + 3, top), (x - 3, top)], fill=WHITE)
        length = int(h * 0.22 * scale)
        for k in range(3):
            angle = math.radians(rnd.randint(0, 120) + k * 120)
            d.line(((x, top), (x + length * math.cos(angle), top + length * math.sin(angle))),
                   fill=WHITE, width=max(6, int(10 * scale)))
        d.ellipse((x - 10, top - 10, x + 10, top + 10), fill=(220, 224, 228))


def people(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    d.rectangle((0, int(h * 0.6), w, h), fill=(60, 50, 70))
    d.rectangle((int(w * 0.2), int(h * 0.1), int(w * 0.8), int(h * 0.45)), fill=NAVY)
    d.rectangle((int(w * 0.22), int(h * 0.13), int(w * 0.78), int(h * 0.42)), fill=(30, 90, 130))
    for k in range(4):
        d.rectangle((int(w * (0.28 + k * 0.12)), int(h * 0.36) - k * 30, int(w * (0.34 + k * 0.12)), int(h * 0.38)),
                    fill=ORANGE)
    tones = [(236, 200, 170), (200, 150, 120), (150, 100, 80), (230, 190, 150)]
    shirts = [NAVY, ORANGE, (90, 140, 90), (140, 60, 60), (200, 200, 210), (70, 70, 80)]
    for row in range(4):
        for col in range(14):
            x = int(w * (0.03 + col * 0.07)) + (row % 2) * 30
            yy = int(h * (0.62 + row * 0.1))
            r = int(h * 0.035)
            d.ellipse((x - r * 1.6, yy + r * 0.6, x + r * 1.6, yy + r * 3.5), fill=rnd.choice(shirts))
            d.ellipse((x - r, yy - r, x + r, yy + r), fill=rnd.choice(tones))


def chart(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    d.rectangle((0, 0, w, h), fill=(248, 248, 246))
    left, bottom = int(w * 0.1), int(h * 0.85)
    d.line(((left, int(h * 0.1)), (left, bottom), (int(w * 0.92), bottom)), fill=GREY, width=4)
    for k in range(1, 5):
        yy = bottom - k * int(h * 0.17)
        d.line(((left, yy), (int(w * 0.92), yy)), fill=(225, 225, 222), width=2)
    value = 0.35
    for i in range(10):
        value = min(0.95, max(0.15, value + rnd.uniform(-0.08, 0.14)))
        x = left + 30 + i * int(w * 0.08)
        d.rectangle((x, bottom - int(value * h * 0.7), x + int(w * 0.055), bottom - 2),
                    fill=ORANGE if i == 9 else NAVY)
    points = [(left + 30 + i * int(w * 0.08) + int(w * 0.027), bottom - int((0.3 + 0.05 * i) * h * 0.7))
              for i in range(10)]
    d.line(points, fill=(120, 170, 110), width=6)


def school(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    y = ground(d, w, h, 0.8, (200, 190, 170))
    d.rectangle((int(w * 0.15), int(h * 0.35), int(w * 0.85), y), fill=(214, 208, 196))
    d.polygon([(int(w * 0.1), int(h * 0.36)), (int(w * 0.5), int(h * 0.12)), (int(w * 0.9), int(h * 0.36))], fill=NAVY)
    for i in range(6):
        x = int(w * 0.2) + i * int(w * 0.11)
        d.rectangle((x, int(h * 0.4), x + int(w * 0.04), y), fill=WHITE)
    d.rectangle((int(w * 0.46), int(h * 0.6), int(w * 0.54), y), fill=ORANGE)


def award(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    cx = w // 2
    for k in range(16):
        angle = math.radians(k * 22.5)
        d.line(((cx, int(h * 0.42)), (cx + w * math.cos(angle), int(h * 0.42) + w * math.sin(angle))),
               fill=(250, 214, 150), width=40)
    gold = (232, 180, 50)
    d.pieslice((cx - 160, int(h * 0.12), cx + 160, int(h * 0.62)), 0, 180, fill=gold)
    d.rectangle((cx - 25, int(h * 0.6), cx + 25, int(h * 0.76)), fill=gold)
    d.rectangle((cx - 120, int(h * 0.76), cx + 120, int(h * 0.84)), fill=NAVY)
    d.ellipse((cx - 230, int(h * 0.2), cx - 120, int(h * 0.4)), outline=gold, width=22)
    d.ellipse((cx + 120, int(h * 0.2), cx + 230, int(h * 0.4)), outline=gold, width=22)


def network(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    nodes = [(rnd.randint(int(w * 0.08), int(w * 0.92)), rnd.randint(int(h * 0.1), int(h * 0.9))) for _ in range(30)]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            if math.dist(a, b) < w * 0.2:
                d.line((a, b), fill=(200, 220, 235), width=4)
    for k, (x, y) in enumerate(nodes):
        r = 22 if k % 5 else 38
        d.ellipse((x - r, y - r, x + r, y + r), fill=ORANGE if k % 5 == 0 else WHITE)


def logistics(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    y = ground(d, w, h, 0.74, (110, 110, 112))
    d.rectangle((0, y + 40, w, y + 52), fill=(240, 240, 240))
    d.rectangle((int(w * 0.05), int(h * 0.3), int(w * 0.55), y), fill=(180, 186, 192))
    for k in range(4):
        d.rectangle((int(w * (0.08 + k * 0.115)), int(h * 0.5), int(w * (0.17 + k * 0.115)), y), fill=(100, 106, 112))
    x = int(w * 0.6)
    d.rectangle((x, int(h * 0.45), x + int(w * 0.28), y - 10), fill=WHITE)
    d.rectangle((x + int(w * 0.28), int(h * 0.55), x + int(w * 0.35), y - 10), fill=NAVY)
    for wx in (x + 60, x + int(w * 0.22), x + int(w * 0.31)):
        d.ellipse((wx - 32, y - 40, wx + 32, y + 24), fill=(40, 40, 40))
    d.rectangle((x + 20, int(h * 0.5), x + int(w * 0.26), int(h * 0.56)), fill=ORANGE)


def heat_pump(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    y = ground(d, w, h, 0.8, (150, 160, 150))
    for k in range(3):
        x = int(w * (0.08 + k * 0.3))
        d.rectangle((x, int(h * 0.4), x + int(w * 0.24), y), fill=(230, 232, 236))
        cx, cy, r = x + int(w * 0.12), int(h * 0.6), int(h * 0.12)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(70, 80, 90))
        for blade in range(4):
            angle = math.radians(blade * 90 + 20 * k)
            d.line(((cx, cy), (cx + r * 0.9 * math.cos(angle), cy + r * 0.9 * math.sin(angle))), fill=STEEL, width=16)
        d.rectangle((x, int(h * 0.4), x + int(w * 0.24), int(h * 0.44)), fill=ORANGE)


def fair(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    d.rectangle((0, int(h * 0.7), w, h), fill=(190, 180, 170))
    colours = [NAVY, ORANGE, (60, 130, 100), (150, 60, 60)]
    for k in range(4):
        x = int(w * (0.03 + k * 0.245))
        d.rectangle((x, int(h * 0.25), x + int(w * 0.22), int(h * 0.7)), fill=(240, 240, 240))
        d.rectangle((x, int(h * 0.25), x + int(w * 0.22), int(h * 0.33)), fill=colours[k])
        d.rectangle((x + 30, int(h * 0.55), x + int(w * 0.22) - 30, int(h * 0.7)), fill=colours[k])


def datacenter(img: Image.Image, d: Draw, rnd: random.Random) -> None:
    w, h = img.size
    d.rectangle((0, 0, w, h), fill=(24, 30, 44))
    d.rectangle((0, int(h * 0.85), w, h), fill=(44, 50, 64))
    for k in range(6):
        x = int(w * (0.04 + k * 0.16))
        d.rectangle((x, int(h * 0.12), x + int(w * 0.13), int(h * 0.85)), fill=(52, 60, 78))
        for row in range(14):
            y = int(h * 0.15) + row * int(h * 0.048)
            d.rectangle((x + 10, y, x + int(w * 0.13) - 10, y + int(h * 0.03)), fill=(70, 80, 100))
            for led in range(3):
                colour = rnd.choice([(90, 220, 120), (90, 220, 120), ORANGE, (120, 180, 255)])
                lx = x + 20 + led * 16
                d.ellipse((lx, y + 6, lx + 8, y + 14), fill=colour)


def logo(path: Path) -> None:
    """The demo's brand logo: a white wordmark with an orange triangle, transparent background."""
    img = Image.new("RGBA", (800, 160), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.polygon([(10, 140), (80, 20), (150, 140)], fill=ORANGE)
    d.polygon([(50, 140), (80, 88), (110, 140)], fill=(255, 255, 255, 0))
    bold = ImageFont.truetype(font_source_sans_pro.font_files_ttf["SourceSansProBold"], 58)
    regular = ImageFont.truetype(font_source_sans_pro.font_files_ttf["SourceSansPro"], 40)
    d.text((180, 10), "Danmarks", font=bold, fill=WHITE)
    d.text((180, 80), "Produktionscentrum", font=regular, fill=WHITE)
    img.save(path, "PNG", optimize=True)


PICTURES: dict[str, tuple[Callable[[Image.Image, Draw, random.Random], None], tuple[int, int]]] = {
    "billund/industriens-dag.jpg": (people, (1600, 1000)),
    "billund/lean.jpg": (factory, (1440, 1080)),  # 4:3
    "billund/fragtcenter.jpg": (logistics, (1600, 900)),
    "businesskolding/robot-testcenter.jpg": (robot, (1600, 1000)),
    "businesskolding/groen-omstilling.jpg": (wind, (1600, 1000)),
    "businesskolding/designskolen.jpg": (school, (1000, 1400)),  # portrait: cropped to 16:9
    "businesskolding/cybersikkerhed.jpg": (network, (1600, 900)),
    "iba/automation.jpg": (robot, (1280, 800)),
    "iba/kompetencefond.jpg": (school, (1600, 1000)),
    "trekant/varmepumper.jpg": (heat_pump, (1600, 1000)),
    "trekant/hannover.jpg": (fair, (1600, 1000)),
    "ehsj/beskaeftigelse.png": (chart, (1200, 800)),
    "ehsj/faglaerte.png": (chart, (1200, 800)),
    "ehsj/konjunktur.png": (chart, (1200, 800)),
    "ehsj/nye-virksomheder.png": (chart, (1200, 800)),
    "trekant/investeringsprofil.jpg": (harbour, (1600, 1000)),
    "trekant/datacenter.jpg": (datacenter, (1600, 1000)),
    "iba/studerende.jpg": (people, (1600, 1000)),
    "middelfart/klynge.jpg": (network, (1600, 1000)),
    "middelfart/pris.jpg": (award, (1400, 1000)),
    "businessfredericia/nyheder/testcenter.jpg": (robot, (1600, 1000)),
    "businessfredericia/nyheder/havn.jpg": (harbour, (1600, 1000)),
    "businessfredericia/nyheder/maskinmester.jpg": (factory, (800, 500)),  # small: 800 px wide
}


def main() -> None:
    for name, (draw, size) in PICTURES.items():
        rnd = random.Random(name)
        img = gradient(size, (190, 215, 235), SKY) if draw is not chart else Image.new("RGB", size)
        draw(img, ImageDraw.Draw(img), rnd)
        path = OUT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".png"):
            img.quantize(64).save(path, "PNG", optimize=True)
        else:
            img.save(path, "JPEG", quality=80, optimize=True, progressive=True)
        print(f"{path.relative_to(OUT.parent.parent.parent.parent)}: {size[0]}x{size[1]}, {path.stat().st_size // 1024} KB")
    logo(OUT / "trekant" / "logo-danmarks-produktionscentrum.png")


if __name__ == "__main__":
    main()
