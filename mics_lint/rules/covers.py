"""What each type's fast check vouches for: the codes no line it passes can break.

Written out, here rather than beside the checks (fast_checks.py, profile_fast.py), because
the engine reads them for every file, where the checks themselves are imported only when a
file takes the fast path (doctypes.py; start-up, issue 14). A rule added to a family is not
covered until its type's check tests it and its code is added here (the engine then takes
the full checks). Every check also calls the screens of all value rules on the identifier
values it reads.
"""

#: What every fast check vouches for: the line decoded into the schema's Struct (MIC101,
#: MIC102, MIC201 to MIC204, MIC207), and what the check tests on the raw line or inline
#: (MIC001, MIC103, MIC104, the `\\S` pattern of MIC205, MIC206).
BASE_COVERS = frozenset(
    {"MIC001", "MIC101", "MIC102", "MIC103", "MIC104"} | {f"MIC20{n}" for n in range(1, 8)}
)
#: The identifier rules with a record check (MIC305 and MIC307 are value rules).
IDENTIFIER_COVERS = frozenset({"MIC301", "MIC302", "MIC303", "MIC304", "MIC306"})
#: profile_fast.py's check, besides every value rule (whose screens it calls).
PROFILE_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC40{n}" for n in range(1, 8)} | {"MIC501"}
SEGMENT_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC70{n}" for n in range(1, 7)}
CHOICE_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC80{n}" for n in range(1, 6)}
DELETION_COVERS = BASE_COVERS | {"MIC901", "MIC902", "MIC903"}
IDENTIFIERS_DELETION_COVERS = DELETION_COVERS | {"MIC904"}
POINTS_DELETION_COVERS = DELETION_COVERS | {"MIC905"}
# MIC908 fires only on a line without `identifiers`, which the decoder refuses.
ASSOCIATION_COVERS = DELETION_COVERS | {"MIC906", "MIC907", "MIC908"}
#: activity_fast.py's check.
ACTIVITY_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC60{n}" for n in range(1, 6)}
