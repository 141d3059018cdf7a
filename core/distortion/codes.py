"""The distortion codes every mask, palette, style and metric shares, defined once.

Precedence layover > shadow > foreshortening; 255 marks pixels without a usable height.
"""
from __future__ import annotations

NONE = 0
FORESHORTENING = 1
LAYOVER = 2
SHADOW = 3
NODATA = 255
CODES: dict[int, str] = {NONE: "none", FORESHORTENING: "foreshortening", LAYOVER: "layover",
                         SHADOW: "shadow", NODATA: "nodata"}
LEGEND = ", ".join(f"{code} {name}" for code, name in CODES.items())

# Display colours (RGBA) of the mask's palette: "none" is transparent so the optical layer
# shows through where the radar geometry is fine.
COLORS: dict[int, tuple[int, int, int, int]] = {
    NONE: (255, 255, 255, 0), FORESHORTENING: (255, 190, 40, 255), LAYOVER: (220, 30, 30, 255),
    SHADOW: (40, 40, 120, 255), NODATA: (0, 0, 0, 0)}
