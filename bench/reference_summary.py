#!/usr/bin/env python3
"""Medians [min..max] per system of a reference-ab.sh series, and each build's ratio to `base`.

    bench/reference_summary.py OUTDIR "mirror base new"
"""
import json,glob,statistics as st,sys
rows={}
for f in sorted(glob.glob(sys.argv[1]+'/r*-*/result.json')):
    name=f.split('/')[-2].split('-',1)[1]
    rows.setdefault(name,[]).append(json.load(open(f)))
order=sys.argv[2].split() if len(sys.argv)>2 else sorted(rows)
names=[n for n in order if n in rows]
keys=[('accepted_per_s','accepted/s'),('deliveries_per_s_e2e','deliveries/s e2e'),('lat_p99_ms','p99 ms'),('drain_s','drain s'),('sut_peak_rss_mib','peak RSS MiB'),('missing_deliveries','missing')]
others=[n for n in names if n not in ('base','mirror')]
print('| figure | '+' | '.join(f'{n} (n={len(rows[n])})' for n in names)+' | '+' | '.join(f'{n}/base' for n in others)+' |')
print('|---|'+'---|'*(len(names)+len(others)))
for k,label in keys:
    med={}; cells=[]
    for n in names:
        vs=[r.get(k) for r in rows[n] if isinstance(r.get(k),(int,float))]
        med[n]=st.median(vs) if vs else None
        cells.append(f'{med[n]:.1f} [{min(vs):.1f}..{max(vs):.1f}]' if vs else '-')
    ratios=[(f'{med[n]/med["base"]:.2f}' if med.get('base') and med.get(n) is not None else '-') for n in others]
    print(f'| {label} | '+' | '.join(cells)+' | '+' | '.join(ratios)+' |')
