"""Public resource trading (公共资源交易, R-MON-2): red flags over procurement data in the Open
Contracting Data Standard (OCDS compiled releases, one contracting process a record).

`ocds` reads the fields of a compiled release that the red flags need, as tolerantly as OCP's
cardinal does: a missing or malformed field makes a rule not apply, never an error.
`red_flags` computes the Open Contracting Partnership's red-flag indicators exactly as cardinal
(open-contracting/cardinal-rs) defines them, plus two of ours (JC-SPLIT, contract splitting just
below a threshold, 拆分规避招标; JC-ROTATION, winner rotation among the same bidders, 轮流坐庄).
Pure functions, no I/O."""
