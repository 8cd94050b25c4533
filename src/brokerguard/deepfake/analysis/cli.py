"""``brokerguard deepfake analyze`` and ``calibrate``: the analyser from the command line.

The analysis modules (PyAV, MediaPipe, dlib) are imported when a command runs, so the
CLI starts without them and says which extra to install when they are missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from brokerguard.cli import runtime
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge, load_schedule
from brokerguard.deepfake.automatic import default_analyser
from brokerguard.errors import BrokerguardError, ConfigurationError, ValidationError

MAX_SCHEDULE_BYTES = 64 * 1024


def _json_error(error: BrokerguardError) -> None:
    typer.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False))
    raise typer.Exit(runtime.exit_code_for(error))


def read_schedule_file(path: Path) -> list[ScheduledChallenge]:
    if not path.is_file():
        raise ValidationError(f"no such file: {path.name}", field="challenges")
    if path.stat().st_size > MAX_SCHEDULE_BYTES:
        raise ValidationError(
            f"the challenge file is larger than {MAX_SCHEDULE_BYTES:,} bytes", field="challenges"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the challenge file is not UTF-8 text", field="challenges") from None
    return load_schedule(text)


def _print_summary(data: dict[str, Any]) -> None:
    console = runtime.console
    console.print(
        f"{data['frames']} frames, {data['duration_s']:.1f} s, face in "
        f"{data['face_found_ratio']:.0%}; liveness [bold]{data['liveness']}[/bold], "
        f"replay suspected: {'yes' if data['replay_suspected'] else 'no'}, same person: "
        f"{'yes' if data['face_match']['same_person'] else 'no'}",
        highlight=False,
    )
    for reason in data["reasons"]:
        console.print(f"- {reason['zh']} / {reason['en']}", highlight=False, markup=False)


def analyze_command(
    recording: Path,
    challenges: Annotated[Path, typer.Option(help="JSON list of {kind, at, window}")],
    id_photo: Annotated[Path, typer.Option(help="the ID photo on file")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Analyse a recording against its challenge schedule and the ID photo (A10.1).

    Exit 0 when the analysis ran, whatever its verdict; 2 for unreadable input.
    """
    try:
        schedule = read_schedule_file(challenges)
        report = default_analyser()(recording, schedule, id_photo, runtime.settings().deepfake)
    except BrokerguardError as error:
        if as_json:
            _json_error(error)
        raise
    data = report.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        _print_summary(data)


def calibrate_command(
    folder: Path,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Error rates of the current and candidate thresholds on labelled recordings.

    FOLDER holds the recordings, ID photos and labels.json (see docs/deepfake-analysis.md).
    """
    try:
        from brokerguard.deepfake.analysis.calibration import calibrate
    except ImportError as error:
        raise ConfigurationError(
            f"calibration needs the 'video' extra ({error.name} is missing)"
        ) from None
    try:
        result = calibrate(folder, runtime.settings().deepfake)
    except BrokerguardError as error:
        if as_json:
            _json_error(error)
        raise
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    current = result["current"]
    runtime.console.print(
        f"{result['analysed']}/{result['recordings']} recordings analysed "
        f"({result['live']} live, {result['attack']} attacks); at the current thresholds: "
        f"APCER {current['apcer']}, BPCER {current['bpcer']}, FMR {current['fmr']}, "
        f"FNMR {current['fnmr']}",
        highlight=False,
    )
    for failed in result["errors"]:
        runtime.console.print(f"- {failed['recording']}: {failed['error']}", markup=False)
