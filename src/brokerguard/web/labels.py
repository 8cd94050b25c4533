"""The words people read for the coded values the pages show (zh-TW, English).

One registry, by kind of value, so a page never shows a stored code
(``active``, ``combosquat``, ``periodic``) in place of a word; the language
walk (tests/web/test_one_language.py) finds any code a page still shows raw.
A value's label is kind-specific because the same code means different things
in different places (``open`` lock state, ``open`` finding).
"""

from __future__ import annotations

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "job_status": {
        "ok": ("完成", "OK"),
        "failed": ("失敗", "Failed"),
        "skipped": ("略過", "Skipped"),
        "queued": ("排隊中", "Queued"),
        "running": ("執行中", "Running"),
    },
    "job_trigger": {
        "schedule": ("排程", "Schedule"),
        "manual": ("手動", "Manual"),
    },
    "finding_source": {
        "check": ("自評檢查", "Self-assessment check"),
        "review": ("覆核", "Review"),
        "inspection": ("查核意見", "Inspection"),
        "audit": ("內部稽核", "Internal audit"),
        "manual": ("其他", "Other"),
        "mobile.report_review": ("檢測報告審閱", "Lab report review"),
    },
    "customer_status": {
        "active": ("使用中", "Active"),
        "suspended": ("暫停", "Suspended"),
        "closed": ("已銷戶", "Closed"),
    },
    "factor_type": {
        "password": ("密碼", "Password"),
        "totp": ("動態密碼（TOTP）", "One-time code (TOTP)"),
        "device": ("裝置綁定", "Bound device"),
        "certificate": ("憑證", "Certificate"),
        "webauthn": ("裝置金鑰（WebAuthn）", "Device key (WebAuthn)"),
        "biometric": ("生物特徵", "Biometric"),
    },
    "factor_status": {
        "issued": ("已核發", "Issued"),
        "pending": ("待確認", "Awaiting confirmation"),
        "active": ("使用中", "Active"),
        "suspended": ("暫停", "Suspended"),
        "revoked": ("已撤銷", "Revoked"),
        "expired": ("已逾期", "Expired"),
    },
    "login_outcome": {
        "success": ("成功", "Succeeded"),
        "failure": ("失敗", "Failed"),
        "locked": ("帳號已鎖定", "Account locked"),
        "factor_required": ("待第二因子", "Second factor needed"),
    },
    "login_reason": {
        "ok": ("正確", "Correct"),
        "invalid_credentials": ("帳號或密碼錯誤", "Wrong account or password"),
        "invalid_password": ("密碼錯誤", "Wrong password"),
        "invalid_otp": ("動態密碼錯誤", "Wrong one-time code"),
        "replayed_otp": ("動態密碼重複使用", "One-time code used twice"),
        "invalid_nonce": ("挑戰碼無效", "Invalid challenge"),
        "invalid_credential": ("憑證或金鑰無效", "Invalid credential"),
        "invalid_login_token": ("登入憑據無效", "Invalid login token"),
        "invalid_session": ("連線階段無效", "Invalid session"),
        "unknown_device": ("未綁定之裝置", "Unknown device"),
        "unknown_account": ("非客戶帳號", "Not a customer account"),
        "locked": ("帳號已鎖定", "Account locked"),
        "password_change_required": ("須先變更密碼", "Password change required"),
        "reset": ("密碼已重設", "Password reset"),
    },
    "credential_step": {
        "apply": ("申請", "Application"),
        "verify_identity": ("身分核驗", "Identity verified"),
        "issue": ("核發", "Issued"),
        "deliver": ("交付", "Delivered"),
        "renew": ("展期", "Renewed"),
        "suspend": ("暫停", "Suspended"),
        "revoke": ("撤銷", "Revoked"),
        "reset": ("重設", "Reset"),
        "unlock": ("解鎖", "Unlocked"),
        "enroll_totp": ("註冊動態密碼", "One-time code enrolled"),
        "enroll_device": ("綁定裝置", "Device bound"),
        "enroll_certificate": ("註冊憑證", "Certificate enrolled"),
        "enroll_webauthn": ("註冊裝置金鑰", "Device key enrolled"),
    },
    "video_purpose": {
        "account_opening": ("開戶", "Account opening"),
        "identity_update": ("身分資料變更", "Identity update"),
        "credential_reissue": ("憑證補發", "Credential reissue"),
        "other": ("其他", "Other"),
    },
    "video_step": {
        "otp": ("一次性驗證碼", "One-time code"),
        "liveness": ("活體挑戰", "Liveness"),
        "id_photo": ("證件照片比對", "ID photo match"),
        "recording": ("錄影存證", "Recording"),
        "analysis": ("錄影自動分析", "Automatic analysis"),
    },
    "platform": {
        "android": ("Android", "Android"),
        "ios": ("iOS", "iOS"),
        "windows": ("Windows", "Windows"),
        "macos": ("macOS", "macOS"),
        "ipados": ("iPadOS", "iPadOS"),
        "linux": ("Linux", "Linux"),
    },
    "detection_kind": {
        "combosquat": ("品牌名稱加字（組合仿冒）", "Brand name with added words"),
        "subdomain-brand": ("子網域冒用品牌", "Brand in a subdomain"),
        "typosquat": ("拼字變形", "Typo of the brand"),
        "homograph": ("形似字元（IDN 同形異義）", "Look-alike characters (IDN homograph)"),
        "tld-swap": ("更換頂級網域", "Other top-level domain"),
        "counterfeit-app:certificate": ("簽章憑證不符之假冒 App", "App signed by another key"),
        "counterfeit-app:name": ("名稱相似之假冒 App", "App with a look-alike name"),
    },
    "reminder_template": {
        "case_confirmed": ("確認仿冒案件通知", "Confirmed phishing case"),
        "periodic": ("定期防詐提醒", "Periodic reminder"),
    },
    "reminder_trigger": {
        "case": ("仿冒案件確認", "Confirmed case"),
        "periodic": ("定期", "Periodic"),
        "manual": ("手動", "Manual"),
    },
    "reminder_channel": {
        "banner": ("網站橫幅", "Website banner"),
        "inapp": ("App 內通知", "In-app notice"),
        "email": ("電子郵件", "E-mail"),
        "sms": ("簡訊", "Text message"),
    },
    "language": {
        "zh-TW": ("中文", "Chinese"),
        "en": ("英文", "English"),
    },
    "biometric_conclusion": {
        "effective": ("有效", "Effective"),
        "ineffective": ("無效", "Ineffective"),
    },
    "brand_kind": {
        "domain": ("網域", "Domain"),
        "alias": ("別名", "Alias"),
        "name": ("名稱", "Name"),
        "keyword": ("關鍵字", "Keyword"),
    },
    "severity": {
        "critical": ("重大", "Critical"),
        "high": ("高", "High"),
        "medium": ("中", "Medium"),
        "low": ("低", "Low"),
    },
    "evidence_kind": {
        "access_review": ("權限覆核紀錄", "Access review"),
        "ai_system_register": ("AI 系統清冊", "AI system register"),
        "alert_records": ("告警紀錄", "Alert records"),
        "approval_record": ("核准紀錄", "Approval record"),
        "architecture_document": ("架構文件", "Architecture document"),
        "attestation": ("聲明書", "Attestation"),
        "audit_trail": ("稽核軌跡", "Audit trail"),
        "byod_register": ("自攜裝置清冊", "BYOD register"),
        "cloud_service_register": ("雲端服務清冊", "Cloud service register"),
        "compliance_mapping": ("法遵對照表", "Compliance mapping"),
        "customer_notice": ("客戶通知", "Customer notice"),
        "device_inventory": ("設備清冊", "Device inventory"),
        "effectiveness_assessment": ("有效性評估", "Effectiveness assessment"),
        "enrolment_records": ("註冊紀錄", "Enrolment records"),
        "exception_register": ("例外控管清冊", "Exception register"),
        "finding_closure": ("缺失結案佐證", "Finding closure"),
        "group_policy_comparison": ("集團規範對照", "Group policy comparison"),
        "incident_records": ("資安事件紀錄", "Incident records"),
        "inspection_report": ("查核報告", "Inspection report"),
        "lab_accreditation": ("實驗室認證", "Lab accreditation"),
        "lab_report": ("檢測報告", "Lab report"),
        "lifecycle_records": ("生命週期紀錄", "Lifecycle records"),
        "login_records": ("登入紀錄", "Login records"),
        "mas_baseline": ("MAS 基準檢測", "MAS baseline test"),
        "monitoring_report": ("監控報告", "Monitoring report"),
        "network_configuration": ("網路組態", "Network configuration"),
        "patch_records": ("修補紀錄", "Patch records"),
        "permission_declaration": ("權限聲明", "Permission declaration"),
        "permission_review": ("權限審查", "Permission review"),
        "policy_document": ("規範文件", "Policy document"),
        "procedure": ("作業程序", "Procedure"),
        "procurement_records": ("採購紀錄", "Procurement records"),
        "remediation_confirmation": ("改善確認", "Remediation confirmation"),
        "retention_configuration": ("保存設定", "Retention configuration"),
        "review_record": ("覆核紀錄", "Review record"),
        "risk_assessment": ("風險評估", "Risk assessment"),
        "screenshot": ("畫面截圖", "Screenshot"),
        "store_listing": ("商店上架資訊", "Store listing"),
        "system_configuration": ("系統組態", "System configuration"),
        "takedown_records": ("下架紀錄", "Takedown records"),
        "test_report": ("測試報告", "Test report"),
        "tls_scan": ("TLS 掃描", "TLS scan"),
        "training_material": ("教育訓練教材", "Training material"),
        "training_records": ("教育訓練紀錄", "Training records"),
        "tree_heads": ("稽核軌跡樹根紀錄", "Audit-trail tree heads"),
        "vendor_assessment": ("廠商評估", "Vendor assessment"),
        "verification_record": ("身分核驗紀錄", "Verification record"),
        "video_analysis": ("視訊分析", "Video analysis"),
        "website_snapshot": ("網站快照", "Website snapshot"),
    },
    "risk": {
        "low": ("低", "Low"),
        "medium": ("中", "Medium"),
        "high": ("高", "High"),
    },
}


def label_pair(kind: str, value: str | None) -> tuple[str, str] | None:
    """``(zh, en)`` for ``value`` of ``kind``, or ``None`` when it has no label."""
    if value is None:
        return None
    return LABELS.get(kind, {}).get(value)


def evidence_kind_labels(kinds: list[str]) -> dict[str, tuple[str, str]]:
    """``{kind: (zh, en)}`` for a filter of evidence kinds; a kind without a label (one a
    user typed) shows as it is."""
    return {k: label_pair("evidence_kind", k) or (k, k) for k in kinds}
