"""The mistakes a legal writer can make in the policy content, each made in a copy of the real
content (``ContentCopy``) and returned with where ``build.py check`` must report it: the file,
the line and words of the message. tests/policy/test_check*.py make them."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.policy_build import (
    APPENDIX_11,
    EN,
    INVENTORY,
    ZH,
    ContentCopy,
    versions_in,
)

Expected = tuple[str, int, str]  # the file, the line, and words of the message


# -- the policy files ------------------------------------------------------------------------


def missing_language(content: ContentCopy) -> Expected:
    content.path(ZH).unlink()
    return ZH, 0, "every version needs en.md and zh_Hans.md"


def header_field_missing(name: str) -> Callable[[ContentCopy], Expected]:
    def apply(content: ContentCopy) -> Expected:
        lines = content.read(EN).splitlines(keepends=True)
        content.write(EN, "".join(line for line in lines if not line.startswith(f"{name}:")))
        return EN, 1, f"the header has no `{name}:` line"

    return apply


def effective_not_iso(content: ContentCopy) -> Expected:
    content.replace(EN, "effective: 2025-03-03", "effective: 3 March 2025")
    return EN, 2, "'3 March 2025' is not a date like"


def effective_impossible(content: ContentCopy) -> Expected:
    content.replace(EN, "effective: 2025-03-03", "effective: 2025-02-30")
    return EN, 2, "'2025-02-30' is not a date like"


def material_not_yes_or_no(content: ContentCopy) -> Expected:
    content.replace(EN, "material: no", "material: minor")
    return EN, 3, "material must be yes or no, not 'minor'"


def version_differs_from_folder(content: ContentCopy) -> Expected:
    content.replace(EN, "version: 1.1", "version: 1.2")
    return EN, 1, "version '1.2' differs from its folder '1.1'"


def versions_out_of_date_order(content: ContentCopy) -> Expected:
    for relative in (EN, ZH):  # both languages agree, and 1.1 now comes before 1.0
        content.replace(relative, "effective: 2025-03-03", "effective: 2024-10-01")
    return EN, 2, "versions must follow in date order"


def two_versions_on_one_day(content: ContentCopy) -> Expected:
    for relative in (EN, ZH):
        content.replace(relative, "effective: 2025-03-03", "effective: 2024-10-15")
    return EN, 2, "versions must follow in date order"


def languages_disagree_on_the_date(content: ContentCopy) -> Expected:
    content.replace(ZH, "effective: 2025-03-03", "effective: 2025-03-04")
    return ZH, 2, "`effective` differs from en.md in the same version"


def chinese_lacks_a_section(content: ContentCopy) -> Expected:
    content.replace(
        ZH, "## 6. 我们如何处理未成年人的个人信息 {#minors}", "6. 我们如何处理未成年人的个人信息"
    )
    # The structures part where the Chinese goes on with the next section instead.
    minors = content.line_of(EN, "{#minors}")
    return ZH, content.line_of(ZH, "{#policy-updates}"), f"there ## {{#minors}} on line {minors}"


def chinese_has_another_anchor(content: ContentCopy) -> Expected:
    content.replace(ZH, "{#minors}", "{#children}")
    return ZH, content.line_of(ZH, "{#children}"), "here ## {#children}, there ## {#minors}"


def chinese_has_another_level(content: ContentCopy) -> Expected:
    content.replace(ZH, "## 6. 我们如何", "### 6. 我们如何")
    return ZH, content.line_of(ZH, "{#minors}"), "here ### {#minors}, there ## {#minors}"


def chinese_has_an_extra_section(content: ContentCopy) -> Expected:
    content.write(ZH, content.read(ZH) + "\n## 9. 附加条款 {#extra-terms}\n\n附加内容。\n")
    return ZH, content.line_of(ZH, "{#extra-terms}"), "section {#extra-terms} is not in en.md"


def heading_without_anchor(content: ContentCopy) -> Expected:
    content.replace(EN, " {#minors}", "")
    return EN, content.line_of(EN, "## 6. How We Process"), "a heading needs a stable anchor"


def anchor_not_lower_case_words(content: ContentCopy) -> Expected:
    content.replace(EN, "{#minors}", "{#Minors_Section}")
    return EN, content.line_of(EN, "{#Minors_Section}"), "must be lower-case words"


def anchor_used_twice(content: ContentCopy) -> Expected:
    content.replace(EN, "{#minors}", "{#cookies}")
    first = content.line_of(EN, "{#cookies}")
    return EN, content.line_of(EN, "{#cookies}", 2), f"used twice (first on line {first})"


def appended(content: ContentCopy, relative: str, paragraph: str) -> int:
    """Add ``paragraph`` at the end of the file; the number of its line."""
    content.write(relative, content.read(relative) + f"\n{paragraph}\n")
    return content.line_of(relative, paragraph)


def field_reference_to_a_missing_field(content: ContentCopy) -> Expected:
    line = appended(content, EN, "We keep the [[field:corporate_invoice.iban]] safe.")
    return EN, line, "[[field:corporate_invoice.iban]]: the inventory of version 1.1"


def field_reference_to_a_missing_scenario(content: ContentCopy) -> Expected:
    line = appended(content, ZH, "我们妥善保管[[field:wallet.bank_account]]。")
    return ZH, line, "has no scenario 'wallet'"


def inventory_reference_to_a_missing_scenario(content: ContentCopy) -> Expected:
    line = appended(content, EN, "See [[inventory:loyalty_programme]].")
    return EN, line, "no scenario 'loyalty_programme' in the inventory"


def field_reference_to_a_field_only_a_later_version_has(content: ContentCopy) -> Expected:
    # The quote requirements came after 1.1: its appendix does not list them.
    line = appended(content, EN, "See [[field:request_a_quote.quote_requirements]].")
    return EN, line, "the inventory of version 1.1"


def older_version_without_its_appendix(content: ContentCopy) -> Expected:
    content.path(APPENDIX_11).unlink()
    return APPENDIX_11, 0, "version 1.1 has no appendix of its own, but version"


def appendix_section_not_in_its_version(content: ContentCopy) -> Expected:
    content.replace(APPENDIX_11, 'policy_section = "request-a-quote"', 'policy_section = "quotes"')
    line = content.line_of(APPENDIX_11, 'policy_section = "quotes"')
    return APPENDIX_11, line, "'quotes' is not a section of version 1.1"


def appendix_states_retention_for_some_scenarios_only(content: ContentCopy) -> Expected:
    # 1.1 was published without a retention column: one scenario stating it is a slip.
    content.replace(
        APPENDIX_11,
        'method = { en = "User uploads voluntarily", zh_Hans = "用户自愿上传" }',
        'method = { en = "User uploads voluntarily", zh_Hans = "用户自愿上传" }\n'
        'retention = { en = "One year.", zh_Hans = "一年。" }',
    )
    first_without = content.line_of(APPENDIX_11, "[[scenario]]")
    return APPENDIX_11, first_without, "every scenario states its retention, or none does"


def current_inventory_without_retention(content: ContentCopy) -> Expected:
    retention = next(
        line
        for line in content.read(INVENTORY).splitlines()
        if line.startswith("retention = ") and "CSRF" in line
    )
    content.replace(INVENTORY, retention + "\n", "")
    line = content.line_of(INVENTORY, 'id = "cookies"') - 1
    return INVENTORY, line, "scenario 'cookies' retention needs a text per language"


def recipient_receives_a_field_the_inventory_lacks(content: ContentCopy) -> Expected:
    content.replace(INVENTORY, '"shipping_address.postal_code"]', '"shipping_address.floor"]')
    line = content.line_of(INVENTORY, '"shipping_address.floor"]')
    return INVENTORY, line, "recipient 'logistics_providers': data 'shipping_address.floor'"


def recipient_of_an_unknown_kind(content: ContentCopy) -> Expected:
    content.replace(INVENTORY, 'kind = "provided"', 'kind = "shared"', 2)
    line = content.line_of(INVENTORY, 'kind = "shared"')
    return INVENTORY, line, "kind must be one of entrusted, provided, not 'shared'"


def inventory_marker_missing(content: ContentCopy) -> Expected:
    content.replace(EN, "[[inventory]]", "")
    return EN, 1, "exactly one line `[[inventory]]` (found 0)"


def inventory_marker_twice(content: ContentCopy) -> Expected:
    content.replace(ZH, "[[inventory]]", "[[inventory]]\n\n以上。\n\n[[inventory]]")
    return ZH, content.line_of(ZH, "[[inventory]]", 2), "(found 2)"


def inventory_marker_inside_a_paragraph(content: ContentCopy) -> Expected:
    content.replace(EN, "[[inventory]]", "The table:\n[[inventory]]")
    return EN, content.line_of(EN, "[[inventory]]"), "`[[inventory]]` must stand alone"


def policy_file_not_utf8(content: ContentCopy) -> Expected:
    content.path(EN).write_bytes(content.path(EN).read_bytes() + "\nCafé\n".encode("latin-1"))
    return EN, len(content.path(EN).read_bytes().splitlines()), "not UTF-8"


# -- the inventory ---------------------------------------------------------------------------


def inventory_invalid_toml(content: ContentCopy) -> Expected:
    line = content.line_of(INVENTORY, 'key = "bank_account"')
    content.replace(INVENTORY, 'key = "bank_account"', "key = bank_account")
    return INVENTORY, line, "not valid TOML"


def scenario_without_chinese_title(content: ContentCopy) -> Expected:
    old = 'title = { en = "Registration (website)", zh_Hans = "注册（网站）" }'
    content.replace(INVENTORY, old, 'title = { en = "Registration (website)" }')
    line = content.line_of(INVENTORY, 'title = { en = "Registration (website)" }')
    return INVENTORY, line, "scenario 'registration_website' title has no zh_Hans text"


def field_without_chinese_label(content: ContentCopy) -> Expected:
    old = 'label = { en = "Bank account number", zh_Hans = "银行账号" }'
    content.replace(INVENTORY, old, 'label = { en = "Bank account number", zh_Hans = "" }')
    line = content.line_of(INVENTORY, 'label = { en = "Bank account number"')
    return INVENTORY, line, "field 'bank_account' label has no zh_Hans text"


def policy_section_not_an_anchor(content: ContentCopy) -> Expected:
    content.replace(INVENTORY, 'policy_section = "cookies"', 'policy_section = "cookie-policy"')
    line = content.line_of(INVENTORY, 'policy_section = "cookie-policy"')
    latest = versions_in(content.root)[-1]
    return INVENTORY, line, f"'cookie-policy' is not a section of version {latest}"


def sensitive_written_as_text(content: ContentCopy) -> Expected:
    # bool("no") is True: a text here must not silently mark (or unmark) a field sensitive.
    block = content.read(INVENTORY).split('key = "bank_account"', 1)[1]
    assert block.lstrip("\n").splitlines()[1] == "sensitive = true"
    content.replace(
        INVENTORY,
        'key = "bank_account"\nlabel = { en = "Bank account number", zh_Hans = "银行账号" }\n'
        "sensitive = true",
        'key = "bank_account"\nlabel = { en = "Bank account number", zh_Hans = "银行账号" }\n'
        'sensitive = "no"',
    )
    line = content.line_of(INVENTORY, 'sensitive = "no"')
    return INVENTORY, line, "sensitive must be true or false, not 'no'"


def scenarios_written_as_text(content: ContentCopy) -> Expected:
    content.write(INVENTORY, 'scenario = "registration"\n')
    return INVENTORY, 1, "scenarios must be [[scenario]] tables"


def fields_written_as_text(content: ContentCopy) -> Expected:
    content.write(INVENTORY, '[[scenario]]\nid = "registration"\nfield = ["name", "email"]\n')
    return INVENTORY, 1, "fields must be [[scenario.field]] tables"


def inventory_not_utf8(content: ContentCopy) -> Expected:
    content.path(INVENTORY).write_bytes(b"# \xe9t\xe9\n" + content.path(INVENTORY).read_bytes())
    return INVENTORY, 1, "not UTF-8"


BREAKAGES = [
    missing_language,
    effective_not_iso,
    effective_impossible,
    material_not_yes_or_no,
    version_differs_from_folder,
    versions_out_of_date_order,
    two_versions_on_one_day,
    languages_disagree_on_the_date,
    chinese_lacks_a_section,
    chinese_has_another_anchor,
    chinese_has_another_level,
    chinese_has_an_extra_section,
    heading_without_anchor,
    anchor_not_lower_case_words,
    anchor_used_twice,
    field_reference_to_a_missing_field,
    field_reference_to_a_missing_scenario,
    field_reference_to_a_field_only_a_later_version_has,
    older_version_without_its_appendix,
    appendix_section_not_in_its_version,
    appendix_states_retention_for_some_scenarios_only,
    current_inventory_without_retention,
    recipient_receives_a_field_the_inventory_lacks,
    recipient_of_an_unknown_kind,
    inventory_reference_to_a_missing_scenario,
    inventory_marker_missing,
    inventory_marker_twice,
    inventory_marker_inside_a_paragraph,
    policy_file_not_utf8,
    inventory_invalid_toml,
    scenario_without_chinese_title,
    field_without_chinese_label,
    policy_section_not_an_anchor,
    sensitive_written_as_text,
    scenarios_written_as_text,
    fields_written_as_text,
    inventory_not_utf8,
]
