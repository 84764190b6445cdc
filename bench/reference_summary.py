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
budget={}
for f in sorted(glob.glob(sys.argv[1]+'/r*-*.cpu')):
    name=f.split('/')[-1][:-4].split('-',1)[1]
    for line in open(f):
        cells=[c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells)==4 and cells[0] in ('hr-writer','hr-curl-1','hr-scheduler','hr-checkpointer','all') or (len(cells)==4 and cells[0].startswith('NIO-ELT')):
            try: budget.setdefault(name,{}).setdefault(cells[0] if not cells[0].startswith('NIO-ELT') else 'event loop',[]).append([float(c) for c in cells[1:]])
            except ValueError: pass
if budget:
    print()
    print('| µs (median) per delivery / accept / event | '+' | '.join(n for n in names if n in budget)+' |')
    print('|---|'+'---|'*len([n for n in names if n in budget]))
    for thread in ('hr-writer','event loop','hr-curl-1','hr-scheduler','hr-checkpointer','all'):
        cells=[]
        for n in names:
            if n not in budget: continue
            rs=budget[n].get(thread,[])
            cells.append(' / '.join(f'{st.median(r[i] for r in rs):.1f}' for i in range(3)) if rs else '-')
        print(f'| {thread} | '+' | '.join(cells)+' |')
