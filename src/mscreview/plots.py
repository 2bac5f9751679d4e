"""Every figure of the book, in one style set once (colour-blind-safe palette, readable at phone width)."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import FancyBboxPatch

from .prisma import ARMS, REASON_LABELS

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


def engraftment_dot_plot(neut: pd.DataFrame, plt_arms: pd.DataFrame):
    """Days to engraftment per study and arm; filled circles MSC arms, open squares control arms."""
    panels = [("Neutrophil engraftment", neut), ("Platelet engraftment", plt_arms)]
    years = pd.concat([neut, plt_arms]).drop_duplicates("study_id").set_index("study_id")["year"]
    order = sorted(years.index, key=lambda s: (years[s], s), reverse=True)
    row_of = {study_id: row for row, study_id in enumerate(order)}
    fig, axes = plt.subplots(1, 2, figsize=(8, 0.32 * len(order) + 1.6), sharey=True)
    for ax, (title, arms) in zip(axes, panels):
        for arm, marker, face in (("msc", "o", ARM_COLOURS["msc"]), ("control", "s", "none")):
            rows = arms[arms["arm"] == arm]
            ax.scatter(rows["days"].astype(float), [row_of[s] for s in rows["study_id"]], marker=marker,
                       facecolors=face, edgecolors=ARM_COLOURS[arm], s=36, label="MSC arm" if arm == "msc" else "Control arm",
                       zorder=3)
        # A fixed title height and y-label place (there is no y label) spare matplotlib measuring every study
        # label at each drawing to place them: 30 % of the figure's time at 1,000 studies, same pixels.
        ax.set_title(title, y=1.0)
        ax.yaxis.set_label_coords(-0.05, 0.5)
        ax.set_xlabel("Days (median or mean as reported)")
        ax.set_xlim(left=0)
    axes[0].set_yticks(range(len(order)), order)
    axes[0].set_ylim(-0.7, len(order) - 0.3)
    axes[1].legend(loc="lower right", fontsize=8)
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
