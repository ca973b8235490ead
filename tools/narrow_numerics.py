"""Print the numpy SIMD paths this machine has beyond numpy's baseline.

``make test`` runs the notebooks a second time with these disabled
(``NPY_DISABLE_CPU_FEATURES``) and one BLAS thread, so that a stored
output which depends on the last bits of floating-point rounding fails
here rather than on a reader's machine.  Only the paths this machine
has are named (numpy's dispatch targets that its CPU supports), so the
setting says what really changed.
"""
from numpy._core._multiarray_umath import (__cpu_dispatch__,
                                           __cpu_features__)

if __name__ == "__main__":
    print(" ".join(feature for feature in __cpu_dispatch__
                   if __cpu_features__.get(feature)))
