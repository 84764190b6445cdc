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

# With BUDGET=1 runs: the medians of thread_cpu.py's per-event budget (its last table's rows).
THREADS=('hr-writer','event loop','hr-curl-1','hr-scheduler','hr-checkpointer','all')
budget={}
for f in sorted(glob.glob(sys.argv[1]+'/r*-*.cpu')):
    name=f.split('/')[-1][:-4].split('-',1)[1]
    for line in open(f):
        cells=[c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells)!=4: continue   # the budget table's rows: thread, per delivery, per accept, per event
        thread='event loop' if cells[0].startswith('NIO-ELT') else cells[0]
        if thread not in THREADS: continue
        try: budget.setdefault(name,{}).setdefault(thread,[]).append([float(c) for c in cells[1:]])
        except ValueError: pass   # the header row
with_budget=[n for n in names if n in budget]
if with_budget:
    print()
    print('| µs (median) per delivery / accept / event | '+' | '.join(with_budget)+' |')
    print('|---|'+'---|'*len(with_budget))
    for thread in THREADS:
        cells=[' / '.join(f'{st.median(r[i] for r in budget[n][thread]):.1f}' for i in range(3)) if budget[n].get(thread) else '-' for n in with_budget]
        print(f'| {thread} | '+' | '.join(cells)+' |')
