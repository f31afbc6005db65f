#!/usr/bin/env python3
"""Check one writer's mails.toml: python3 check.py DIR/mails.toml  (exit 1 on any problem)."""
import sys, tomllib, collections, re
SCOPES = {"consultation","document_fix","database_repair","year_split","programming","hardware","visit","other"}
PRODUCTS = {"SOOT","F-K","Kadry-Płace","Hurtownia Danych","other"}
STYLES = {"outlook","thunderbird","gmail","webmail","iphone","android","other"}
REQ = {"id":str,"from_name":str,"from_addr":str,"subject":str,"body":str,"style":str,
       "emergency":bool,"scope":str,"product":str,"why":str}
OPT = {"html":bool,"persona":str,"charset":str,"classes":list}
path = sys.argv[1]
doc = tomllib.load(open(path,"rb"))
mails = doc.get("mail", [])
bad = []
ids = set()
for i, m in enumerate(mails):
    where = f"mail[{i}] ({m.get('id','?')})"
    for k, t in REQ.items():
        if not isinstance(m.get(k), t): bad.append(f"{where}: {k} missing or not {t.__name__}")
    for k in m:
        if k not in REQ and k not in OPT: bad.append(f"{where}: unknown key {k}")
    if m.get("scope") not in SCOPES: bad.append(f"{where}: scope {m.get('scope')!r}")
    if m.get("product") not in PRODUCTS: bad.append(f"{where}: product {m.get('product')!r}")
    if m.get("style") not in STYLES: bad.append(f"{where}: style {m.get('style')!r}")
    if m.get("charset", "utf-8") not in ("utf-8","windows-1250","iso-8859-2"): bad.append(f"{where}: charset")
    if m.get("id") in ids: bad.append(f"{where}: duplicate id")
    ids.add(m.get("id"))
    if "@" not in str(m.get("from_addr","")): bad.append(f"{where}: from_addr")
    if len(str(m.get("body","")).strip()) < 15: bad.append(f"{where}: body too short")
for b in bad: print(b)
c = collections.Counter
print(f"{len(mails)} mails; emergency: {dict(c(m.get('emergency') for m in mails))}")
print("scope:", dict(c(m.get('scope') for m in mails)))
print("product:", dict(c(m.get('product') for m in mails)))
print("style:", dict(c(m.get('style') for m in mails)))
sys.exit(1 if bad else 0)
