#!/usr/bin/env python3
"""Validates STAC Items against the schemas in tests/report/stac-schemas/, offline.

    validate_stac.py ITEM.json...

Every $ref (item.json's basics/datetime/..., geojson.org's Feature/Geometry, the extensions)
resolves from the local copies: no network. Exits 0 when all are valid, 1 with the errors,
77 when python3-jsonschema is missing.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stac-schemas")
STAC = "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/"
LOCAL = {
    "https://geojson.org/schema/Feature.json": "geojson/Feature.json",
    "https://geojson.org/schema/Geometry.json": "geojson/Geometry.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json": "projection-v1.1.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json": "raster-v1.1.0/schema.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json": "file-v2.1.0/schema.json",
}
for name in ("item", "basics", "datetime", "instrument", "licensing", "provider"):
    LOCAL[STAC + name + ".json"] = "stac-spec-v1.0.0/" + name + ".json"


def load(rel):
    with open(os.path.join(HERE, rel), encoding="utf-8") as f:
        return json.load(f)


def validate(item, store):
    schemas = [STAC + "item.json"] + list(item.get("stac_extensions", []))
    errors = []
    for uri in schemas:
        if uri not in store:
            errors.append("no local schema for " + uri)
            continue
        schema = store[uri]
        resolver = jsonschema.RefResolver(uri, schema, store=store)
        cls = jsonschema.validators.validator_for(schema)
        v = cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
        errors += ["%s: %s at %s" % (uri, e.message, "/".join(map(str, e.absolute_path))) for e in v.iter_errors(item)]
    return errors


def main(paths):
    store = {}
    for uri, rel in LOCAL.items():
        store[uri] = store[uri + "#"] = load(rel)
    bad = 0
    for p in paths:
        with open(p, encoding="utf-8") as f:
            errors = validate(json.load(f), store)
        for e in errors:
            print(p + ": " + e)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
