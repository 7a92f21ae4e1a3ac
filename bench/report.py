"""The benchmark's result as Markdown: the three contenders in one table, then the operator's measures."""

from __future__ import annotations

from bench.run import RunResult

__all__ = ["markdown"]


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(result: RunResult, *, cores: int) -> str:
    params = result.params
    op = result.operator
    lines = [
        f"Run of {result.started}: {params['plans']} plans x {params['items']} machines, time scale "
        f"{params['time_scale']:g}, job lengths x{params.get('job_length_factor', 1.0):g} "
        f"+/-{params['spread']:.0%} (seed {params['seed']}), "
        f"process server resyncs {params['process_server_resyncs'] or 'unlimited'}, "
        f"{op.master_targets} master target(s), scripts polling every {params['script_poll_seconds']:g} s; "
        f"{cores} cores.",
        "",
        "| | time to Completed | ARM reads | ARM writes | calls per item |",
        "|---|---|---|---|---|",
    ]
    for row in result.rows:
        failed = f" ({len(row.failed)} jobs failed)" if row.failed else ""
        lines.append(
            f"| {row.label}{failed} | {_seconds(row.seconds)} | {row.arm_reads} | {row.arm_writes} "
            f"| {row.calls_per_item:.1f} |"
        )
    lines += [
        "",
        "| operator measure | value |",
        "|---|---|",
        f"| plans completed | {op.completed}/{op.plans} |",
        f"| first look at every plan (status written) | {_seconds(op.first_look_seconds)} |",
        f"| step overhead median / p99 | {_seconds(op.step_overhead_median)} / "
        f"{_seconds(op.step_overhead_p99)} |",
        "| step overhead median by step | "
        + ", ".join(f"{kind} {_seconds(value)}" for kind, value in op.step_overhead_by_kind.items())
        + " |",
        f"| end to end median / critical-path limit median | {_seconds(op.end_to_end_median)} / "
        f"{_seconds(op.limit_median)} |",
        f"| end to end / limit, median / worst plan | {_number(op.ratio_median, 3)} / "
        f"{_number(op.ratio_max, 3)} |",
        f"| ARM reads / writes per item | {op.reads_per_item:.1f} / {op.writes_per_item:.1f} |",
        "| ARM reads by operation | "
        + (", ".join(f"{name} {count}" for name, count in op.reads_by_operation.items()) or "—")
        + " |",
        f"| ARM reads per item-hour in sync (simulated hours) | {_number(op.reads_per_item_hour_in_sync)} |",
        "| ARM reads per second in sync (real time), mean / busiest 10 s | "
        f"{_number(op.read_rate_in_sync, 2)} / {_number(op.busiest_read_rate_in_sync, 2)} |",
        f"| GETs per list read / pages per list | {_number(op.reads_per_list, 2)} / {op.pages_per_list} |",
        f"| Kubernetes writes per plan | {op.kubernetes_writes_per_plan:.1f} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(op.kubernetes_writes.items()))}) |",
        f"| operator RSS idle / peak | {op.rss_idle_mib:.0f} MiB / {op.peak_rss_mib:.0f} MiB |",
        f"| memory per plan (peak - idle) | {_number(op.memory_per_plan_kib, 0)} KiB |",
        f"| operator CPU seconds | {op.cpu_seconds:.1f} |",
    ]
    return "\n".join(lines) + "\n"
