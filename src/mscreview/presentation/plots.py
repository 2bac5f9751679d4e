"""Every figure of the book, in one style set once (colour-blind-safe palette, readable at phone width)."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import FancyBboxPatch

from mscreview.analysis.prisma import ARMS, REASON_LABELS

PALETTE = sns.color_palette("colorblind")
ARM_COLOURS = {"msc": PALETTE[0], "control": PALETTE[1]}


def use_book_style() -> None:
    """The one plot style of the book; deterministic SVG/PNG output (no dates, fixed hash salt)."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    matplotlib.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "svg.hashsalt": "msc-review",
        "font.family": "DejaVu Sans",
        "axes.titleweight": "bold",
    })


def studies_bar(counts: pd.Series, title: str, xlabel: str):
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar([str(i) for i in counts.index], counts.values, color=PALETTE[0])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Studies")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="x", rotation=45 if len(counts) > 6 else 0)
    fig.tight_layout()
    return fig


def tier_agreement_figure(by_column: pd.DataFrame):
    """Values read both in a study's own report and in a review's table: agreeing and differing, per column."""
    rows = max(len(by_column), 1)
    fig, ax = plt.subplots(figsize=(7, 0.35 * rows + 1.4))
    labels = [str(c) for c in by_column.index]
    ax.barh(labels, by_column["agree"], color=PALETTE[2], label="same value")
    ax.barh(labels, by_column["differ"], left=by_column["agree"], color=PALETTE[3], label="different value")
    ax.invert_yaxis()
    ax.set_xlabel("Values read in both tiers")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Own report against another review's table")
    if len(by_column):
        ax.legend(loc="lower right", frameon=True)
    fig.tight_layout()
    return fig


SETTING_TITLES = {"co_transplantation": "MSCs given with the graft",
                  "poor_graft_function": "MSCs for poor graft function", "graft_failure": "MSCs for graft failure"}
CENTRE_MARKERS = {"median": "o", "mean": "D"}
INTERVAL_WIDTHS = {"range": 1.0, "ci95": 1.0, "iqr": 3.5}
ROWS_PER_FIGURE = 40  # arms per figure: a long evidence base is split, never squeezed into one image


def engraftment_range_rows(arms: pd.DataFrame, studies: pd.DataFrame, standard_threshold: float) -> pd.DataFrame:
    """One row per arm for the range plot: ordered by setting, year and study, each MSC arm above its control,
    labelled 'First author Year' (journal and year where no author was read)."""
    from mscreview.presentation.interactive import study_label

    labels = pd.Series([study_label(s) for _, s in studies.iterrows()], index=studies["study_id"])
    rows = arms.assign(study=arms["study_id"].map(labels), setting=arms["setting"].fillna("co_transplantation"),
                       n=arms["weight"], non_standard=arms["threshold_per_l"].notna()
                       & (arms["threshold_per_l"] != standard_threshold))
    rows["setting_order"] = rows["setting"].map(list(SETTING_TITLES).index)
    rows["arm_order"] = (rows["arm"] != "msc").astype(int)
    rows = rows.sort_values(["setting_order", "year", "study_id", "arm_order"], kind="stable")
    return rows[["study_id", "study", "setting", "year", "arm", "n", "days", "statistic", "interval", "low", "high",
                 "threshold_per_l", "non_standard", "days_from"]].reset_index(drop=True)


def range_plot_chunks(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(setting, rows) per figure: one setting per figure, at most ROWS_PER_FIGURE arms, a study never split."""
    chunks = []
    for setting, group in rows.groupby("setting", sort=False):
        current: list[pd.DataFrame] = []
        for _, study in group.groupby("study_id", sort=False):
            if current and sum(map(len, current)) + len(study) > ROWS_PER_FIGURE:
                chunks.append((setting, pd.concat(current)))
                current = []
            current.append(study)
        chunks.append((setting, pd.concat(current)))
    return chunks


def engraftment_range_plot(rows: pd.DataFrame, title: str):
    """Forest-style range plot: per arm the reported centre (circle median, diamond mean) and its range (thin
    line) or IQR (thick line); MSC arms filled, control arms open below them; marker area grows with the arm's
    size; * marks a threshold other than the standard one."""
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    for position, row in zip(y, rows.itertuples()):
        colour = ARM_COLOURS[row.arm]
        if pd.notna(row.low) and pd.notna(row.high):
            ax.plot([row.low, row.high], [position, position], color=colour,
                    lw=INTERVAL_WIDTHS.get(row.interval, 1.0), solid_capstyle="butt", zorder=2)
        size = 14 + 6 * np.sqrt(row.n) if pd.notna(row.n) else 20
        ax.scatter(row.days, position, marker=CENTRE_MARKERS.get(row.statistic, "s"), s=size, zorder=3,
                   facecolors=colour if row.arm == "msc" else "white", edgecolors=colour, linewidths=1.2)
    labels = [(f"{r.study}{' *' if r.non_standard else ''}" if r.arm == "msc" or i == 0
               or rows["study_id"].iloc[i - 1] != r.study_id else "")
              + f"  {'MSC' if r.arm == 'msc' else 'control'}" + (f" (n = {int(r.n)})" if pd.notna(r.n) else "")
              for i, r in enumerate(rows.itertuples())]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(left=0)
    ax.set_xlabel("Days to engraftment, as reported")
    ax.set_title(title, y=1.0)
    fig.tight_layout()
    return fig


def _box(ax, x, y, text, width=0.36, height=0.085):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.006", facecolor="white", edgecolor="0.2", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, wrap=True)


def _arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1})


def prisma_flow_figure(counts: dict, reasons: pd.DataFrame):
    """The PRISMA 2020 flow diagram (two arms: databases and citation searching)."""
    fig, ax = plt.subplots(figsize=(9, 9.5))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    stage_y = {"identified": 0.92, "screened": 0.74, "sought": 0.58, "assessed": 0.42, "included": 0.12}
    for column, (arm, label) in zip((0.25, 0.75), ARMS.items()):
        c = counts["arms"][arm]
        _box(ax, column, stage_y["identified"], f"{label}\nrecords identified (n = {c['identified']})\n"
             f"duplicates removed (n = {c['duplicates']})")
        _box(ax, column, stage_y["screened"], f"Records screened (n = {c['screened']})\n"
             f"excluded on title/abstract (n = {c['excluded_screening']})")
        _box(ax, column, stage_y["sought"], f"Reports sought for retrieval (n = {c['sought']})\n"
             f"not retrieved (n = {c['not_retrieved']})")
        _box(ax, column, stage_y["assessed"], f"Reports assessed for eligibility (n = {c['assessed']})\n"
             f"excluded (n = {c['excluded_full_text']}), reasons below\n"
             f"awaiting classification (n = {c['awaiting_classification']})")
        for upper, lower in (("identified", "screened"), ("screened", "sought"), ("sought", "assessed")):
            _arrow(ax, (column, stage_y[upper] - 0.05), (column, stage_y[lower] + 0.05))
        _arrow(ax, (column, stage_y["assessed"] - 0.05), (0.5, stage_y["included"] + 0.06))
    full_text = reasons.drop(index=[REASON_LABELS["not_retrieved"]], errors="ignore")
    reason_lines = "\n".join(f"{reason}: {int(row['Total'])}" for reason, row in full_text.iterrows())
    ax.text(0.5, 0.27, reason_lines or "no report excluded after assessment", ha="center", va="center",
            fontsize=7.5, color="0.25")
    _box(ax, 0.5, stage_y["included"], f"Studies included in review (n = {counts['included_studies']})\n"
         f"reports of included studies (n = {counts['included_reports']})", width=0.5)
    for y, stage in ((0.92, "Identification"), (0.66, "Screening"), (0.12, "Included")):
        ax.text(0.005, y, stage, rotation=90, ha="left", va="center", fontsize=9, fontweight="bold", color="0.35")
    return fig


FOREST_AXIS = {"MD": "Mean difference in days, MSC minus control", "g": "Hedges' g, MSC minus control",
               "RR": "Risk ratio, MSC vs control (log scale)"}


def forest_plot(effects: pd.DataFrame, pooled: dict | None, title: str, measure: str,
                pooled_label: str = "Pooled (REML, Hartung-Knapp)"):
    """Study estimates with 95 % CIs (squares sized by weight; hollow and marked † when the estimate rests on
    a median converted to a mean) and the pooled diamond when there is one."""
    from scipy import stats

    rows = effects[effects["effect"].notna()].reset_index(drop=True)
    z = stats.norm.ppf(0.975)
    ratio = measure == "RR"
    show = (lambda x: np.exp(x)) if ratio else (lambda x: x)
    n_lines = len(rows) + (1 if pooled else 0)
    fig, ax = plt.subplots(figsize=(7, 0.45 * n_lines + 1.5))
    converted = rows["converted"] if "converted" in rows else pd.Series(False, index=rows.index)
    for i, row in rows.iterrows():
        y = n_lines - 1 - i
        se = np.sqrt(row["variance"])
        ax.plot(show(np.array([row["effect"] - z * se, row["effect"] + z * se])), [y, y], color="0.3", lw=1)
        ax.scatter(show(row["effect"]), y, marker="s", s=40 / np.sqrt(row["variance"]) if len(rows) > 1 else 40,
                   facecolors="white" if converted[i] else PALETTE[0], edgecolors=PALETTE[0], zorder=3)
    if pooled:
        lo, mid, hi = (show(pooled[k]) for k in ("ci_low", "estimate", "ci_high"))
        ax.fill([lo, mid, hi, mid], [0, 0.25, 0, -0.25], color=PALETTE[1], zorder=3)
    labels = [f"{s} †" if c else s for s, c in zip(rows["study_id"], converted)] + ([pooled_label] if pooled else [])
    ax.set_yticks(range(n_lines - 1, -1, -1), labels)
    ax.axvline(1 if ratio else 0, color="0.5", lw=0.8, ls="--")
    if ratio:
        ax.set_xscale("log")
    ax.set_xlabel(FOREST_AXIS[measure])
    ax.set_title(title)
    fig.tight_layout()
    return fig


# judgement -> (colour, symbol): robvis's order of concern, in colour-blind-safe colours with a symbol each
JUDGEMENT_STYLE = {
    "low": (PALETTE[2], "+"), "yes": (PALETTE[2], "+"),
    "some_concerns": (PALETTE[1], "−"), "moderate": (PALETTE[1], "−"), "unclear": ("0.75", "?"),
    "no_information": ("0.75", "?"), "not_applicable": ("0.9", "NA"),
    "high": (PALETTE[3], "×"), "serious": (PALETTE[3], "×"), "no": (PALETTE[3], "×"), "critical": ("0.15", "!"),
}


def rob_traffic_light(rob: pd.DataFrame, domains: list[str], title: str):
    """Studies down, domains across, one coloured symbol per judgement (as robvis draws it)."""
    studies = sorted(rob["study_id"].unique())
    grid = rob.set_index(["study_id", "domain"])["judgement"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.62 * len(domains), 0.5 * len(studies) + 1.4))
    for y, study in enumerate(studies):
        for x, domain in enumerate(domains):
            judgement = grid.get((study, domain))
            if judgement is None:
                continue
            colour, symbol = JUDGEMENT_STYLE[judgement]
            ax.scatter(x, y, s=330, color=colour, edgecolors="0.3", linewidths=0.6)
            ax.text(x, y, symbol, ha="center", va="center", fontsize=9, fontweight="bold",
                    color="white" if colour not in ("0.75", "0.9") else "0.1")
    ax.set_xticks(range(len(domains)), [d.replace("_", " ") for d in domains], rotation=45, ha="right")
    ax.set_yticks(range(len(studies)), studies)
    ax.set_xlim(-0.6, len(domains) - 0.4)
    ax.set_ylim(len(studies) - 0.5, -0.5)
    ax.grid(False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def rob_summary(rob: pd.DataFrame, domains: list[str], judgements: list[str], title: str):
    """Share of studies per judgement in each domain (robvis's summary plot)."""
    shares = (rob.groupby("domain")["judgement"].value_counts(normalize=True).unstack(fill_value=0)
              .reindex(index=domains, columns=judgements, fill_value=0))
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(domains) + 1.4))
    left = np.zeros(len(domains))
    for judgement in judgements:
        ax.barh(range(len(domains)), shares[judgement] * 100, left=left, color=JUDGEMENT_STYLE[judgement][0],
                edgecolor="white", label=f"{JUDGEMENT_STYLE[judgement][1]} {judgement.replace('_', ' ')}")
        left += shares[judgement].to_numpy() * 100
    ax.set_yticks(range(len(domains)), [d.replace("_", " ") for d in domains])
    ax.invert_yaxis()
    ax.set_xlabel("Studies (%)")
    ax.set_xlim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=min(len(judgements), 4), fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def range_plot_caption(rows: pd.DataFrame, lineage: str, setting: str, standard_threshold: float) -> str:
    """The caption, computed from the arms drawn."""
    medians, means = (int((rows["statistic"] == s).sum()) for s in ("median", "mean"))
    starred = int(rows.loc[rows["arm"] == "msc", "non_standard"].sum())
    return (f"Days to {lineage} engraftment ({SETTING_TITLES[setting]}): {len(rows)} arms of "
            f"{rows['study_id'].nunique()} studies ({medians} medians as circles, {means} means as diamonds). "
            f"Thin lines are reported ranges, thick lines interquartile ranges; filled markers are MSC arms, "
            f"open ones their control arms; marker area grows with the patients in the arm. "
            f"{starred} MSC arms (*) use a threshold other than {standard_threshold:g} x10^9/L.")


def specification_curve_plot(curve: pd.DataFrame, published: float, title: str):
    """The mean days of every analysis, sorted, with the published value across it; under each point, the
    choices that made it (one row per option, a dot where the option was taken)."""
    from mscreview.analysis.engraftment import RULE_LABELS, SELECTION_LABELS

    choices = {"Evidence": sorted(curve["tier"].unique()), "Designs": list(dict.fromkeys(curve["designs"])),
               "Setting": list(dict.fromkeys(curve["setting"])), "Arms": list(SELECTION_LABELS),
               "Average": list(RULE_LABELS)}
    column = {"Evidence": "tier", "Designs": "designs", "Setting": "setting", "Arms": "selection", "Average": "rule"}
    short = {"all_reported": "any origin, any threshold", "from_transplant": "from the graft, any threshold",
             "standard_threshold": "from the graft, standard threshold",
             **{k: v.replace(" of study values", "") for k, v in RULE_LABELS.items()}}
    options = [(group, option) for group, values in choices.items() for option in values]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 3 + 0.22 * len(options)), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 0.22 * len(options)]})
    x = np.arange(len(curve))
    top.scatter(x, curve["days"], s=14, color=PALETTE[0], zorder=3)
    top.axhline(published, color=PALETTE[3], lw=1.2, ls="--", label=f"published: {published:g} days")
    top.set_ylabel("Mean days, MSC arms")
    top.set_title(title, y=1.0)
    top.legend(loc="upper left", fontsize=8)
    for row, (group, option) in enumerate(options):
        taken = curve[column[group]] == option
        bottom.scatter(x[taken], np.full(taken.sum(), row), s=6, color="0.25", marker="s")
    bottom.set_yticks(range(len(options)), [f"{group}: {short.get(option, option)}" for group, option in options],
                      fontsize=7)
    bottom.set_ylim(len(options) - 0.5, -0.5)
    bottom.set_xlabel("Analyses, sorted by their result")
    bottom.grid(False)
    fig.tight_layout()
    return fig


def evidence_map_rows(studies: pd.DataFrame) -> pd.DataFrame:
    """Studies and patients per setting, MSC source, graft source and design ('not reported' where empty)."""
    from mscreview.analysis.characteristics import label

    shown = studies.assign(**{c: studies[c].map(label).fillna("not reported")
                              for c in ("msc_source", "graft_source", "design")},
                           setting=studies["setting"].fillna("not reported"))
    return (shown.groupby(["setting", "msc_source", "graft_source", "design"])
            .agg(studies=("study_id", "size"), patients=("n_patients", lambda n: int(n.fillna(0).sum())))
            .reset_index())


def evidence_map(cells: pd.DataFrame):
    """Bubbles at MSC source (across) and graft source (down), one panel per setting; bubble area grows with
    the patients, colour gives the design, and the number in the bubble counts the studies."""
    settings = list(dict.fromkeys(cells["setting"]))
    sources, grafts = sorted(cells["msc_source"].unique()), sorted(cells["graft_source"].unique())
    designs = sorted(cells["design"].unique())
    colour = dict(zip(designs, [PALETTE[i] for i in (0, 2, 4, 1, 7, 9, 3, 5)]))  # neighbours kept apart
    fig, axes = plt.subplots(1, len(settings), figsize=(4.2 * len(settings) + 1.5, 0.6 * len(grafts) + 2.2),
                             sharey=True, squeeze=False)
    for ax, setting in zip(axes[0], settings):
        mine = cells[cells["setting"] == setting]
        for row in mine.itertuples():
            shift = (designs.index(row.design) - (len(designs) - 1) / 2) * 0.18
            x, y = sources.index(row.msc_source) + shift, grafts.index(row.graft_source)
            ax.scatter(x, y, s=20 + 4 * row.patients, color=colour[row.design], alpha=0.8, edgecolors="0.2", zorder=3)
            ax.annotate(str(row.studies), (x, y), ha="center", va="center", fontsize=7, zorder=4)
        ax.set_xticks(range(len(sources)), sources, rotation=30, ha="right", fontsize=8)
        ax.set_xlim(-0.6, len(sources) - 0.4)
        ax.set_title(SETTING_TITLES.get(setting, "Setting not reported"), y=1.0, fontsize=10)
    axes[0][0].set_yticks(range(len(grafts)), grafts, fontsize=8)
    axes[0][0].set_ylim(-0.6, len(grafts) - 0.4)
    axes[0][0].set_ylabel("Graft source")
    fig.supxlabel("MSC tissue source", fontsize=9)
    handles = [plt.Line2D([], [], marker="o", ls="", color=colour[d], label=d) for d in designs]
    fig.legend(handles=handles, loc="upper right", fontsize=7, title="Design", title_fontsize=7)
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    return fig
