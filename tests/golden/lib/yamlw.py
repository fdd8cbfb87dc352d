"""Minimal YAML emitter for lnsd configs (block style; no dependency on PyYAML).

Strings are always double-quoted (JSON escapes are valid YAML), so addresses
like "2001:db8::1" or MACs never turn into something else.
"""
import json


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v))


def _emit(obj, indent, out):
    pad = "  " * indent
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, dict) and v:
                out.append(f"{pad}{k}:")
                _emit(v, indent + 1, out)
            elif isinstance(v, list) and v:
                out.append(f"{pad}{k}:")
                _emit(v, indent + 1, out)
            elif isinstance(v, (dict, list)):
                out.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}")
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                sub = []
                _emit(item, indent + 1, sub)
                first = sub[0].lstrip()
                out.append(f"{pad}- {first}")
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {_scalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}")
    else:
        out.append(f"{pad}{_scalar(obj)}")


def dump(obj):
    out = []
    _emit(obj, 0, out)
    return "\n".join(out) + "\n"
