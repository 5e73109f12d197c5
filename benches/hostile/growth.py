"""Growth factors: median time at 8n over median time at n (linear is about 8), runs
interleaved. Usage: python3 benches/hostile/growth.py BIN [DIR]"""
import subprocess, time, statistics, sys
B = sys.argv[1]
D = sys.argv[2] if len(sys.argv) > 2 else "/tmp/onus-hostile"
pairs = [("longline_5000.json","longline_40000.json"),("supp_5000.yaml","supp_40000.yaml"),
         ("labels_5000.yaml","labels_40000.yaml"),("exprs_5000.yaml","exprs_40000.yaml"),
         ("merge_beside_5000.yaml","merge_beside_40000.yaml"),("podpol_2000.yaml","podpol_16000.yaml")]
def run(f):
    t=time.perf_counter()
    subprocess.run([B,"check","--format","json",D+"/"+f],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
    return time.perf_counter()-t
for a,b in pairs:
    ta,tb=[],[]
    for i in range(5):
        ta.append(run(a)); tb.append(run(b))
    ma,mb=statistics.median(ta),statistics.median(tb)
    print(f"{a:28s} {ma*1000:8.1f} ms   {b:28s} {mb*1000:8.1f} ms   x{mb/ma:5.1f}")
