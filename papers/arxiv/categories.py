"""The arXiv category taxonomy: what counts as a category, and its human name.

Category terms in arXiv feeds may also carry MSC (``68T05``) or ACM (``I.2.7``) classes;
only terms of a known archive with an optional subject class are categories.
"""

import re

ARCHIVES = frozenset(
    {
        "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph",
        "hep-th", "math", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin",
        "quant-ph", "stat",
        # Archives since merged into the ones above; old papers still carry them.
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "atom-ph", "bayes-an", "chao-dyn",
        "chem-ph", "cmp-lg", "comp-gas", "dg-ga", "funct-an", "mtrl-th", "patt-sol",
        "plasm-ph", "q-alg", "solv-int", "supr-con",
    }
)  # fmt: skip

_CATEGORY = re.compile(r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?:[A-Z]{2}|[a-z]+(?:-[a-z]+)?))?")

CATEGORY_NAMES: dict[str, str] = {
    # Computer science
    "cs.AI": "Artificial Intelligence", "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity", "cs.CE": "Computational Engineering",
    "cs.CG": "Computational Geometry", "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security", "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society", "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing", "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics", "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies", "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature", "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory", "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval", "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning", "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems", "cs.MM": "Multimedia", "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis", "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture", "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems", "cs.PF": "Performance",
    "cs.PL": "Programming Languages", "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation", "cs.SD": "Sound", "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks", "cs.SY": "Systems and Control",
    # Statistics
    "stat.AP": "Applications", "stat.CO": "Computation", "stat.ME": "Methodology",
    "stat.ML": "Machine Learning (Statistics)", "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",
    # Electrical engineering and systems science
    "eess.AS": "Audio and Speech Processing", "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing", "eess.SY": "Systems and Control (EESS)",
    # Mathematics (the ones our corpus meets most)
    "math.AG": "Algebraic Geometry", "math.CO": "Combinatorics", "math.GT": "Geometric Topology",
    "math.NA": "Numerical Analysis (Mathematics)", "math.OC": "Optimization and Control",
    "math.PR": "Probability", "math.ST": "Statistics Theory (Mathematics)",
    "math.IT": "Information Theory (Mathematics)",
    # Quantitative biology and finance, economics
    "q-bio.BM": "Biomolecules", "q-bio.NC": "Neurons and Cognition",
    "q-bio.QM": "Quantitative Methods", "q-fin.CP": "Computational Finance",
    "econ.EM": "Econometrics",
    # Physics
    "hep-th": "High Energy Physics - Theory", "hep-ph": "High Energy Physics - Phenomenology",
    "hep-ex": "High Energy Physics - Experiment", "hep-lat": "High Energy Physics - Lattice",
    "gr-qc": "General Relativity and Quantum Cosmology", "quant-ph": "Quantum Physics",
    "math-ph": "Mathematical Physics", "nucl-th": "Nuclear Theory",
    "nucl-ex": "Nuclear Experiment", "astro-ph": "Astrophysics",
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "cond-mat": "Condensed Matter", "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "cond-mat.stat-mech": "Statistical Mechanics", "physics.comp-ph": "Computational Physics",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.soc-ph": "Physics and Society",
}  # fmt: skip


# The same rule as a JSON Schema pattern (for the API's schema): a known archive, then
# optionally a subject class.
CATEGORY_PATTERN = (
    "^(?:"
    # Archive names are letters and hyphens: nothing to escape (and ECMA regexes, which
    # JSON Schema uses, refuse a needless "\-" escape).
    + "|".join(sorted(ARCHIVES))
    + r")(?:\.(?:[A-Z]{2}|[a-z]+(?:-[a-z]+)?))?$"
)


def is_arxiv_category(term: str) -> bool:
    match = _CATEGORY.fullmatch(term.strip())
    return bool(match) and match["archive"] in ARCHIVES


def category_name(code: str) -> str:
    return CATEGORY_NAMES.get(code, code)
