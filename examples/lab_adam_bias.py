"""Why Adam corrects its bias: E[m_t] = (1 - beta^t) E[g], E[m_hat_t] = E[g] (the notes' derivation).

    python examples/lab_adam_bias.py

20000 independent parameters get i.i.d. gradients g ~ N(0.5, 1) for t steps through one
deepgrad ``Adam``; the first moment m_t is read from the optimizer's state.
"""

from deepgrad.lab import notes

print(f"{'t':>3} {'mean m_t':>9} {'(1-b^t)E[g]':>12} {'mean m_hat_t':>13} {'E[g]':>5}")
for t in (1, 2, 5, 10, 50):
    r = notes.adam_bias(t=t)
    print(f"{t:>3} {r['mean_m']:9.4f} {r['expected_m']:12.4f} {r['mean_m_hat']:13.4f} {r['E_g']:5.2f}")
