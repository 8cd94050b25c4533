"""Demo firm attestations for the referenced rules (A3.1, A3.2, A4.1, A11.1)."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.attestations.service import ATTESTATIONS, attester_role
from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.evidence.service import store_evidence
from brokerguard.registerkit.spec import create_item


def load_demo(ctx: DemoContext) -> None:
    actor = ctx.staff["compliance"].username if "compliance" in ctx.staff else "demo"
    day = today(ctx.clock)
    rows = [
        (
            "A3.1",
            "證券期貨業及其他金融服務業非公務機關個人資料檔案安全維護辦法",
            "112 年修正",
            True,
            "個資盤點及風險評估已完成，年度稽核無重大缺失。",
            200,
            165,
            "個資檔案安全維護年度稽核報告",
        ),
        (
            "A3.1",
            "臺灣證券交易所證券商資通安全檢查機制",
            "114 年版",
            True,
            "依檢查機制完成年度自評，結果已陳報資訊安全長。",
            90,
            275,
            "資通安全檢查機制年度自評表",
        ),
        (
            "A3.2",
            "外國集團資安規範",
            "—",
            False,
            "本公司為本國證券商，非外國集團在臺子公司或分公司。",
            60,
            305,
            "",
        ),
        (
            "A4.1",
            "證券商雲端服務運作安全自律規範",
            "113 年版",
            True,
            "雲端服務清冊及委外評估已更新，佐證待法遵上傳。",  # no document: the check fails
            30,
            335,
            "",
        ),
        (
            "A11.1",
            "證券商運用人工智慧技術作業規範",
            "113 年版",
            True,
            "客服聊天機器人已依規範完成風險評估。",
            400,
            -35,
            "人工智慧技術作業規範風險評估",
        ),
    ]
    for requirement, rule, version, applicable, statement, ago, due_in, document in rows:
        attester = ctx.staff.get(attester_role(requirement).value)
        if attester is None:
            ctx.notes.append(
                f"attestations: no {attester_role(requirement)} staff user for {requirement}"
            )
            continue  # an attestation needs a staff user holding the role
        attested_on = day - timedelta(days=ago)
        evidence = ""
        if document:  # the signed document, kept in the evidence store
            stored = store_evidence(
                ctx.session,
                ctx.clock,
                ctx.settings,
                content=f"{document}\n{rule}（{version}）\n{statement}\n".encode(),
                filename=f"attestation-{requirement}-{ago}.txt",
                title=f"{document}（{rule}）",
                requirement_ids=[requirement],
                kind="attestation",
                uploaded_by=actor,
                unit="法令遵循部",
                valid_from=attested_on,
            )
            evidence = stored.reference
        create_item(
            ctx.session,
            ctx.clock,
            ATTESTATIONS,
            {
                "requirement_id": requirement,
                "referenced_rule": rule,
                "rule_version": version,
                "applicable": applicable,
                "statement": statement,
                "attested_by": attester.username,
                "attested_on": attested_on,
                "next_due": day + timedelta(days=due_in),
                "evidence_ref": evidence,
            },
            actor,
        )
