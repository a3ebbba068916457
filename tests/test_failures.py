from transforms.failures import describe_exception, exception_text, make_failure


def test_exception_text_keeps_the_whole_first_line():
    error = RuntimeError("OpenCV(5.0) /src/cap.cpp:12: error: (-215) bad\nmore detail")
    assert exception_text(error) == "RuntimeError: OpenCV(5.0) /src/cap.cpp:12: error: (-215) bad"
    assert exception_text(ValueError()) == "ValueError"


def test_dead_letter_description_uses_the_traceback_last_line():
    lines = ["Traceback...\n", "transforms.media.DownloadFailed: HTTP Error 404: Not Found\n"]
    assert describe_exception(KeyError, lines) == "KeyError: HTTP Error 404: Not Found"


def test_failure_records_name_a_known_stage():
    assert make_failure("a.mp4", "decode", "E: x", line="a.mp4")["line"] == "a.mp4"
    import pytest

    with pytest.raises(ValueError):
        make_failure("a.mp4", "teleport", "E: x")
