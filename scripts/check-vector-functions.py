#!/usr/bin/env python3
# The exhaustive accuracy check behind VectorFunctions (Sources/Train/Layers/Transformer/GELU.swift):
# its erf and exp evaluated in Float32 with the same operations in the same order (NumPy), against
# SciPy/NumPy Double. Session 12 result: erf 1.578 ulp max (at 1.007156), exp 0.982 ulp. ~1 h of CPU.
# Float32 emulation of VectorFunctions (same operations, same order), exhaustive over erf's
# arguments in [2^-149, 4.5] (all positive floats there; erf is odd and the code symmetric) and exp's on [-87, 0].
import numpy as np, sys
from scipy.special import erf as erf64
f=np.float32
cA=[f(x) for x in "0.12837916612625122, -0.3761261999607086, 0.11283551156520844, -0.026852870360016823, 0.005187146831303835, -0.0008003825787454844, 7.843559433240443e-05".split(",")]
cB=[f(x) for x in "2.4153163394657895e-05, 0.5637614727020264, 0.0025891773402690887, -0.2827361226081848, -0.07817477732896805, 0.9209219217300415, -1.5587186813354492, 1.4612675905227661, -0.8361342549324036, 0.27474841475486755, -0.03996533155441284".split(",")]
E=[f(x) for x in "1.9875691500e-4 1.3981999507e-3 8.3334519073e-3 4.1665795894e-2 1.6666665459e-1 5.0000001201e-1".split()]
M=f(12582912)
def vexp(x):
    c=np.where(x>=f(-87), np.where(x<=f(0),x,f(0)), f(-87)).astype(f)
    sh=(c*f(1.44269502)+M).astype(f); n=(sh-M).astype(f)
    r=(c-n*f(0.693359375)).astype(f); r=(r-n*f(-2.12194440e-4)).astype(f)
    p=E[0]
    for k in E[1:]: p=(p*r+k).astype(f)
    y=(p*(r*r)+r+f(1)).astype(f)
    bits=((sh.view(np.uint32)-np.uint32(0x4B400000)+np.uint32(127))<<np.uint32(23)).astype(np.uint32)
    return (y*bits.view(f)).astype(f)
def verf(x):
    a=np.minimum(np.abs(x),f(4)); s=(a*a).astype(f)
    r=cA[-1]
    for k in cA[-2::-1]: r=(r*s+k).astype(f)
    small=(a+a*r).astype(f)
    t=(f(1)/a).astype(f)
    q=cB[-1]
    for k in cB[-2::-1]: q=(q*t+k).astype(f)
    large=(f(1)-vexp(-s)*q).astype(f)
    return np.copysign(np.where(a<f(1),small,large),x).astype(f)
def ulps(y,t):
    tf=t.astype(f); u=np.spacing(np.abs(tf)).astype(np.float64)
    return np.abs(y.astype(np.float64)-t)/u
with np.errstate(all='ignore'):
    worst=0; worstx=None; wrel=0; wabs=0
    lo=1; hi=np.float32(4.5).view(np.int32)
    for start in range(lo,hi,1<<23):
        x=np.arange(start,min(hi,start+(1<<23)),dtype=np.int32).view(f)
        y=verf(x); t=erf64(x.astype(np.float64)); e=ulps(y,t)
        i=np.argmax(e)
        if e[i]>worst: worst=e[i]; worstx=x[i]
        wrel=max(wrel,np.max(np.abs(y-t)/t))
    print("erf: max ulps",worst,"at",worstx,"max relative",wrel,flush=True)
    # exp over all floats in [-87, 0)
    worst=0; wrel=0
    hi=np.float32(87).view(np.int32)
    for start in range(0,hi+1,1<<23):
        x=-np.arange(start,min(hi+1,start+(1<<23)),dtype=np.int32).view(f)
        y=vexp(x); t=np.exp(x.astype(np.float64)); e=ulps(y,t)
        worst=max(worst,e.max()); wrel=max(wrel,np.max(np.abs(y-t)/t))
    print("exp: max ulps",worst,"max relative",wrel)
    print("kappa", 2**-21)
