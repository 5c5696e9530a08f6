"""HiGHS (highspy) for the siting models: one LP or MIP from arrays to a frozen result, and the relative gap."""

from __future__ import annotations

import os
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp


def log_enabled() -> bool:
    """HiGHS prints its log when the environment variable HLOG is set (to anything non-empty)."""
    return bool(os.environ.get("HLOG"))


@dataclass(frozen=True)
class Solved:
    x: np.ndarray | None
    reduced_cost: np.ndarray | None
    objective: float
    bound: float
    optimal: bool
    infeasible: bool


def solve(
    cost: np.ndarray,
    a: sp.csc_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray | None,
    *,
    offset: float = 0.0,
    maximize: bool = False,
    time_limit: float = np.inf,
    start: np.ndarray | None = None,
    rel_gap: float = 0.0,
) -> Solved:
    """Solve a MIP (or an LP when `integer` is None) with HiGHS, stopping at relative gap `rel_gap`."""
    a = sp.csc_matrix(a)
    lp = highspy.HighsLp()
    lp.num_col_ = a.shape[1]
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    if maximize:
        lp.sense_ = highspy.ObjSense.kMaximize
    if integer is not None:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in integer
        ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", log_enabled())
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    if np.isfinite(time_limit):
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.passModel(lp)
    if start is not None and integer is not None:
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32), np.asarray(start, dtype=np.float64))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    infeasible = status == highspy.HighsModelStatus.kInfeasible
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = h.getSolution()
    x = np.asarray(solution.col_value) if has_x else None
    reduced = np.asarray(solution.col_dual) if has_x and integer is None and solution.dual_valid else None
    bound = info.objective_function_value if integer is None else info.mip_dual_bound
    return Solved(
        x=x,
        reduced_cost=reduced,
        objective=float(info.objective_function_value) if has_x else np.nan,
        bound=float(bound),
        optimal=status == highspy.HighsModelStatus.kOptimal,
        infeasible=infeasible,
    )


def relative_gap(objective: float, bound: float, maximize: bool) -> float:
    if not np.isfinite(bound) or not np.isfinite(objective):
        return np.inf
    diff = bound - objective if maximize else objective - bound
    return max(0.0, diff) / max(abs(objective), 1e-9)
