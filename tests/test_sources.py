import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.extract import ReadVideoSources
from transforms.sources import ListLineError, VideoSource, is_ignorable, parse_list_line


def test_parses_plain_sources_and_official_csv_lines(tmp_path):
    list_file = str(tmp_path / "list.csv")
    assert parse_list_line(list_file, "https://youtu.be/abc\n") == VideoSource(
        "https://youtu.be/abc", (), list_file, "https://youtu.be/abc"
    )
    video = parse_list_line(list_file, "https://x.org/v.mp4,5;3;5")
    assert video.labels == (3, 5)
    assert parse_list_line(list_file, '"gs://b/a,b.mp4",1').source == "gs://b/a,b.mp4"


def test_relative_paths_resolve_against_the_list_directory(tmp_path):
    list_file = str(tmp_path / "lists" / "list.txt")
    assert parse_list_line(list_file, "../clips/a.mp4").source == str(tmp_path / "clips" / "a.mp4")
    assert parse_list_line("gs://bucket/lists/l.txt", "a.mp4").source == "gs://bucket/lists/a.mp4"
    assert parse_list_line(list_file, "/abs/a.mp4").source == "/abs/a.mp4"


@pytest.mark.parametrize(
    "line,reason",
    [
        ("a.mp4,1;x", "not an integer"),
        ("a.mp4,-1", "negative"),
        ("a,1,2", "3 fields"),
        (",1", "empty"),
    ],
)
def test_malformed_lines_raise_a_parse_stage_error(line, reason):
    with pytest.raises(ListLineError, match=reason) as error:
        parse_list_line("/l.txt", line)
    assert error.value.stage == "parse"


def test_blank_comment_and_header_lines_are_ignorable():
    assert all(map(is_ignorable, ["", "   ", "# note", "path_or_url,labels"]))
    assert not is_ignorable("a.mp4")


def test_read_video_sources_dedupes_and_reports_bad_lines(tmp_path, test_pipeline):
    (tmp_path / "a.txt").write_text("# list\nhttp://h/x.mp4,1\n\nhttp://h/y.mp4\nbad,1,2\n")
    (tmp_path / "b.csv").write_text("http://h/x.mp4,2\nhttp://h/x.mp4,1\n")
    with test_pipeline as p:
        videos, failures = p | ReadVideoSources([str(tmp_path / "*")])
        assert_that(
            videos | beam.Map(lambda v: (v.source, v.labels)),
            equal_to([("http://h/x.mp4", (1, 2)), ("http://h/y.mp4", ())]),
            label="videos",
        )
        assert_that(
            failures | beam.Map(lambda f: (f["source"], f["stage"], f["error"].split(":")[0])),
            equal_to([("bad,1,2", "parse", "ListLineError")]),
            label="failures",
        )
