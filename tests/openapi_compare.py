#!/usr/bin/env python3
"""Compares two OpenAPI documents of the emulator operation by operation and prints every
difference: paths and methods, parameters (name, in, required, type), request bodies,
response status codes and their schemas, security, and the component schemas of the same
name (properties, types, required lists, enums). OpenAPI 3.0's `nullable` and 3.1's
`type: [..., "null"]` / `oneOf: [{type: null}, ...]` are read as the same thing, `$ref`s
are followed (a schema is compared by what it describes, not by how it is split into
components), and a one-item `allOf`/`oneOf` is read as its item.

Usage: tests/openapi_compare.py OLD NEW [--all]   (each a file or an http(s) URL; --all
lists every place of the number and time precision additions, which are otherwise counted)
Exit status 0 always; the differences are for a person to judge (each must be justified).
"""

import json
import sys
import urllib.request


def load(source):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source) as answer:
            return json.load(answer)
    with open(source) as file:
        return json.load(file)


class Doc:
    def __init__(self, document):
        self.d = document

    def deref(self, node, seen=()):
        while isinstance(node, dict) and "$ref" in node:
            target = node["$ref"]
            if target in seen:
                return {"$recursive": target}
            seen = seen + (target,)
            resolved = self.d
            for part in target.lstrip("#/").split("/"):
                resolved = resolved[part]
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**resolved, **extra}
        return node

    def normal(self, schema, seen=()):
        """A schema with refs followed (once per path), nullability as a flag, and
        one-item combinators unwrapped."""
        if not isinstance(schema, dict):
            return schema
        refs = seen
        if "$ref" in schema:
            if schema["$ref"] in seen:
                return {"$recursive": schema["$ref"].split("/")[-1]}
            refs = seen + (schema["$ref"],)
        schema = dict(self.deref(schema, seen))
        nullable = bool(schema.pop("nullable", False))
        kind = schema.get("type")
        if isinstance(kind, list):
            if "null" in kind:
                nullable = True
            kinds = [k for k in kind if k != "null"]
            schema["type"] = kinds[0] if len(kinds) == 1 else kinds
        for combinator in ("oneOf", "anyOf", "allOf"):
            if combinator in schema:
                items = schema[combinator]
                non_null = [i for i in items if self.deref(i) != {"type": "null"}]
                if len(non_null) < len(items):
                    nullable = True
                if len(non_null) == 1:
                    inner = self.normal(non_null[0], refs)
                    del schema[combinator]
                    inner_nullable = inner.pop("nullable", False)
                    merged = {**inner, **{k: v for k, v in schema.items() if k not in inner}}
                    schema = merged
                    nullable = nullable or inner_nullable
                elif combinator == "allOf":
                    merged = {"type": "object", "properties": {}, "required": []}
                    for item in non_null:
                        part = self.normal(item, refs)
                        merged["properties"].update(part.get("properties", {}))
                        merged["required"] += part.get("required", [])
                    del schema["allOf"]
                    schema = {**merged, **schema}
                else:
                    schema[combinator] = [self.normal(i, refs) for i in non_null]
        if "properties" in schema:
            schema["properties"] = {
                k: self.normal(v, refs) for k, v in schema["properties"].items()
            }
        if isinstance(schema.get("items"), dict):
            schema["items"] = self.normal(schema["items"], refs)
        if isinstance(schema.get("additionalProperties"), dict):
            schema["additionalProperties"] = self.normal(schema["additionalProperties"], refs)
        if nullable:
            schema["nullable"] = True
        return schema

    def operations(self):
        for path, item in self.d.get("paths", {}).items():
            for method, operation in item.items():
                yield (method.upper(), path), operation


def describe_type(schema):
    if not isinstance(schema, dict):
        return str(schema)
    kind = schema.get("type")
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            kind = combinator + "[" + ", ".join(describe_type(i) for i in schema[combinator]) + "]"
    if "$recursive" in schema:
        kind = "->" + schema["$recursive"]
    text = str(kind) if kind is not None else "any"
    if schema.get("nullable"):
        text += "|null"
    return text


def union(schema):
    """A oneOf of objects read as one object: every property of any variant, required
    where every variant requires it, enums joined."""
    variants = schema.get("oneOf") or schema.get("anyOf")
    if not variants or not all(v.get("type") == "object" for v in variants):
        return schema, False
    merged = {"type": "object", "properties": {}}
    required = None
    for variant in variants:
        for name, prop in variant.get("properties", {}).items():
            known = merged["properties"].get(name)
            if known and "enum" in known and "enum" in prop:
                known = {**known, "enum": known["enum"] + [e for e in prop["enum"] if e not in known["enum"]]}
                merged["properties"][name] = known
            elif not known:
                merged["properties"][name] = prop
        names = set(variant.get("required", []))
        required = names if required is None else required & names
    merged["required"] = sorted(required or [])
    if schema.get("nullable"):
        merged["nullable"] = True
    return merged, True


# Differences that only make the new document more precise about numbers and times are
# counted by kind instead of listed one by one (see main's --all).
PRECISION = {}


def precision(kind, where, out):
    PRECISION.setdefault(kind, []).append(where)


def compare_schema(old, new, where, out, depth=0, named=None):
    if depth > 12:
        return
    if named is not None and isinstance(old, dict) and isinstance(new, dict):
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if old_ref and new_ref:
            if old_ref != new_ref:
                out.append(f"{where}: schema {old_ref.split('/')[-1]} -> {new_ref.split('/')[-1]}")
                compare_schema(named[0].normal(old), named[1].normal(new), where, out, depth)
            return
        old, new = named[0].normal(old), named[1].normal(new)
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            out.append(f"{where}: {old!r} -> {new!r}")
        return
    if "$recursive" in old or "$recursive" in new:
        return
    if ("oneOf" in new) != ("oneOf" in old):
        old, old_union = union(old)
        new, new_union = union(new)
        if new_union:
            out.append(f"{where}: one object -> oneOf of {len(new.get('properties', {}).get('type', {}).get('enum', []))} tagged variants (compared as their union)")
    old_kind, new_kind = describe_type(old), describe_type(new)
    if old_kind != new_kind:
        out.append(f"{where}: type {old_kind} -> {new_kind}")
    if old.get("format") is None and new.get("format") in ("int64", "int32", "double", "date-time"):
        precision(f"format {new['format']} added", where, out)
        old = {**old, "format": new["format"]}
    if old.get("minimum") is None and new.get("minimum") == 0 and new.get("type") == "integer":
        precision("minimum 0 added to an unsigned integer", where, out)
        old = {**old, "minimum": 0}
    for key in ("format", "enum", "minimum", "maximum", "additionalProperties"):
        if key == "additionalProperties":
            o, n = old.get(key), new.get(key)
            if isinstance(o, dict) or isinstance(n, dict):
                if isinstance(o, dict) and isinstance(n, dict):
                    compare_schema(o, n, f"{where}{{*}}", out, depth + 1)
                else:
                    out.append(f"{where}: additionalProperties {o!r} -> {n!r}")
                continue
        if key == "enum" and old.get(key) and new.get(key) and sorted(map(str, old[key])) == sorted(map(str, new[key])):
            continue
        if old.get(key) != new.get(key):
            out.append(f"{where}: {key} {old.get(key)!r} -> {new.get(key)!r}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in sorted(set(old_props) - set(new_props)):
        out.append(f"{where}.{name}: property removed")
    for name in sorted(set(new_props) - set(old_props)):
        out.append(f"{where}.{name}: property added ({describe_type(new_props[name])})")
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    if old_required != new_required:
        added = sorted(new_required - old_required)
        removed = sorted(old_required - new_required)
        out.append(f"{where}: required +{added} -{removed}")
    for name in sorted(set(old_props) & set(new_props)):
        compare_schema(old_props[name], new_props[name], f"{where}.{name}", out, depth + 1)
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        compare_schema(old["items"], new["items"], f"{where}[]", out, depth + 1)
    for combinator in ("oneOf", "anyOf"):
        o, n = old.get(combinator), new.get(combinator)
        if o and n and len(o) == len(n):
            for index, (a, b) in enumerate(zip(o, n)):
                compare_schema(a, b, f"{where}<{combinator}{index}>", out, depth + 1)


def content_of(doc, holder):
    holder = doc.deref(holder)
    return {
        media: body.get("schema", {})
        for media, body in (holder or {}).get("content", {}).items()
    }


def compare(old_doc, new_doc):
    old, new = Doc(old_doc), Doc(new_doc)
    out = []
    old_ops, new_ops = dict(old.operations()), dict(new.operations())
    for key in sorted(set(old_ops) - set(new_ops)):
        out.append(f"{key[0]} {key[1]}: operation missing from the new document")
    for key in sorted(set(new_ops) - set(old_ops)):
        out.append(f"{key[0]} {key[1]}: operation only in the new document")
    for key in sorted(set(old_ops) & set(new_ops)):
        name = f"{key[0]} {key[1]}"
        o, n = old_ops[key], new_ops[key]
        for field in ("operationId", "summary", "tags"):
            if o.get(field) != n.get(field):
                out.append(f"{name}: {field} {o.get(field)!r} -> {n.get(field)!r}")
        if o.get("security") != n.get("security"):
            out.append(f"{name}: security {o.get('security')} -> {n.get('security')}")
        op = {(p["name"], p["in"]): p for p in map(old.deref, o.get("parameters", []))}
        np_ = {(p["name"], p["in"]): p for p in map(new.deref, n.get("parameters", []))}
        for pkey in sorted(set(op) - set(np_)):
            out.append(f"{name}: parameter {pkey} missing")
        for pkey in sorted(set(np_) - set(op)):
            out.append(f"{name}: parameter {pkey} added")
        for pkey in sorted(set(op) & set(np_)):
            a, b = op[pkey], np_[pkey]
            if bool(a.get("required")) != bool(b.get("required")):
                out.append(f"{name}: parameter {pkey} required {a.get('required')} -> {b.get('required')}")
            compare_schema(
                old.normal(a.get("schema", {})), new.normal(b.get("schema", {})),
                f"{name} parameter {pkey[0]}", out)
        ob, nb = o.get("requestBody"), n.get("requestBody")
        if bool(ob) != bool(nb):
            out.append(f"{name}: request body {'removed' if ob else 'added'}")
        elif ob:
            if bool(old.deref(ob).get("required")) != bool(new.deref(nb).get("required")):
                out.append(f"{name}: request body required changed")
            oc, nc = content_of(old, ob), content_of(new, nb)
            if set(oc) != set(nc):
                out.append(f"{name}: request content types {sorted(oc)} -> {sorted(nc)}")
            for media in sorted(set(oc) & set(nc)):
                compare_schema(oc[media], nc[media], f"{name} request {media}", out, named=(old, new))
        ors, nrs = o.get("responses", {}), n.get("responses", {})
        if set(ors) != set(nrs):
            out.append(f"{name}: responses {sorted(ors)} -> {sorted(nrs)}")
        for status in sorted(set(ors) & set(nrs)):
            oc, nc = content_of(old, ors[status]), content_of(new, nrs[status])
            if set(oc) != set(nc):
                out.append(f"{name} {status}: content types {sorted(oc)} -> {sorted(nc)}")
            for media in sorted(set(oc) & set(nc)):
                compare_schema(oc[media], nc[media], f"{name} {status} {media}", out, named=(old, new))
            oh = old.deref(ors[status]).get("headers", {})
            nh = new.deref(nrs[status]).get("headers", {})
            if set(oh) != set(nh):
                out.append(f"{name} {status}: headers {sorted(oh)} -> {sorted(nh)}")
    old_schemas = old_doc.get("components", {}).get("schemas", {})
    new_schemas = new_doc.get("components", {}).get("schemas", {})
    for schema_name in sorted(set(old_schemas) - set(new_schemas)):
        out.append(f"components.schemas.{schema_name}: missing from the new document")
    for schema_name in sorted(set(new_schemas) - set(old_schemas)):
        out.append(f"components.schemas.{schema_name}: only in the new document")
    for schema_name in sorted(set(old_schemas) & set(new_schemas)):
        compare_schema(
            old.normal({"$ref": f"#/components/schemas/{schema_name}"}),
            new.normal({"$ref": f"#/components/schemas/{schema_name}"}),
            f"components.schemas.{schema_name}", out)
    # Components compared through their own names above: inside them, a property that
    # is a reference is followed (normal() resolves it), so a difference deep in a shared
    # object shows under every component that holds it.
    for section in ("responses", "securitySchemes"):
        o = old_doc.get("components", {}).get(section, {})
        n = new_doc.get("components", {}).get(section, {})
        if set(o) != set(n):
            out.append(f"components.{section}: {sorted(o)} -> {sorted(n)}")
    return out


def main():
    if "--all" in sys.argv:
        sys.argv.remove("--all")
        sys.argv.append("--all")
    if len([a for a in sys.argv if a != "--all"]) != 3:
        print(__doc__)
        sys.exit(2)
    old_doc, new_doc = load(sys.argv[1]), load(sys.argv[2])
    old_ops = sum(len(item) for item in old_doc["paths"].values())
    new_ops = sum(len(item) for item in new_doc["paths"].values())
    print(f"old: OpenAPI {old_doc['openapi']}, {len(old_doc['paths'])} paths, {old_ops} operations, "
          f"{len(old_doc['components']['schemas'])} schemas")
    print(f"new: OpenAPI {new_doc['openapi']}, {len(new_doc['paths'])} paths, {new_ops} operations, "
          f"{len(new_doc['components']['schemas'])} schemas")
    differences = compare(old_doc, new_doc)
    for line in differences:
        print(line)
    for kind, places in sorted(PRECISION.items()):
        print(f"more precise: {kind}: {len(places)} places")
        if "--all" in sys.argv:
            for place in places:
                print(f"    {place}")
    print(f"{len(differences)} differences, {sum(map(len, PRECISION.values()))} precision additions")


if __name__ == "__main__":
    main()
