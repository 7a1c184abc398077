"""Tokenisation for lexical retrieval across scripts."""

from headstrt.matching.engine.text import tokenize


def test_words_are_normalised_and_stop_words_dropped():
    assert tokenize("The Salary-Negotiation on FRIDAY!") == ["salary", "negotiation", "friday"]


def test_compatibility_forms_and_case_are_folded():
    assert tokenize("Ｆｕｌｌｗｉｄｔｈ STRASSE straße") == ["fullwidth", "strasse", "strasse"]


def test_chinese_and_japanese_become_character_bigrams():
    assert tokenize("谈判工资") == ["谈判", "判工", "工资"]
    assert tokenize("給料の交渉") == ["給料", "料の", "の交", "交渉"]


def test_thai_without_spaces_still_gives_tokens():
    assert len(tokenize("ฉันต้องการความช่วยเหลือ")) > 5


def test_words_with_combining_marks_stay_whole():
    assert tokenize("मुझे नौकरी चाहिए") == ["मुझे", "नौकरी", "चाहिए"]


def test_mixed_scripts_split_at_the_boundary():
    assert tokenize("python编程") == ["python", "编程"]


def test_empty_and_symbol_only_text_give_no_tokens():
    assert tokenize("") == []
    assert tokenize("!!! ... ☃☄") == []


def test_very_long_text_is_capped():
    assert len(tokenize("word " * 20_000)) == 4_000
