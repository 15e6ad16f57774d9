from yimen.common.masking import mask_address, mask_id_number, mask_name, mask_phone


def test_id_number_keeps_region_and_last_four():
    assert mask_id_number("440604199001011234") == "440604********1234"


def test_names():
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("") == ""


def test_phone():
    assert mask_phone("13800138000") == "138****8000"


def test_address_keeps_the_community_only():
    masked = mask_address("培德社区福宁路12号3座501房")
    assert masked == "培德社区****"
    assert "12号" not in masked
