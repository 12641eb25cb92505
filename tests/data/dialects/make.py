"""Writes the dialect corpus (issue 14): files as Excel and internal systems
export them, each with its expected encoding, schema and rows in
expected.json. Run from this directory: python3 make.py (the files are
committed; this script says how they were made)."""
import json

FILES = {
    # Excel "CSV" on Korean Windows: CP949, CRLF, a quoted comma.
    "cp949.csv": ("cp949", "날짜,부서,금액\r\n2024-01-02,영업부,1500\r\n2024-01-03,인사부,2300\r\n2024-01-04,\"총무부, 본사\",900\r\n"),
    # Windows-1252: accents, the euro sign, curly quotes.
    "windows1252.csv": ("cp1252", "name,price,note\r\nCafé,5,“quoted” naïve\r\nCrème brûlée,7,déjà vu €\r\n"),
    # Excel "Unicode text": UTF-16 LE with a byte order mark, tab-separated.
    "unicode-text.txt": ("utf-16", "이름\t도시\t점수\r\n김민수\t서울\t90\r\nAnn\tBusan\t85\r\n"),
    # A European export from Korean Windows: sep=; line, decimal commas with
    # dot thousands, day-first dates, Excel's #N/A.
    "european-cp949.csv": ("cp949", "sep=;\r\n날짜;부서;금액;비율\r\n13.02.2024;영업부;1.234,50;#N/A\r\n01.03.2024;인사부;2.000;0,25\r\n05.03.2024;개발부;-17,5;1\r\n"),
    # A US export: comment lines, quoted thousands, month-first dates with
    # AM/PM times, None/nan nulls, the header repeated (files joined).
    "us-joined.csv": ("utf-8", "# Exported from Sales, 2024-12-31\r\n# Region: all\r\nid,amount,when,note\r\n1,\"1,234\",12/31/2024 3:04 PM,None\r\n2,17,1/2/2024 9:00 AM,ok\r\nid,amount,when,note\r\n3,\"12,345\",1/3/2024 12:30 PM,nan\r\n"),
}

EXPECTED = {
    "cp949.csv": {
        "encoding": "EUC-KR", "guessed": True,
        "schema": [["날짜", "date", None], ["부서", "string", None], ["금액", "integer", None]],
        "rows": [{"날짜": "2024-01-02", "부서": "영업부", "금액": 1500}, {"날짜": "2024-01-03", "부서": "인사부", "금액": 2300},
                 {"날짜": "2024-01-04", "부서": "총무부, 본사", "금액": 900}],
        "warnings": ["encodingGuessed"],
    },
    "windows1252.csv": {
        "encoding": "windows-1252", "guessed": True,
        "schema": [["name", "string", None], ["price", "integer", None], ["note", "string", None]],
        "rows": [{"name": "Café", "price": 5, "note": "“quoted” naïve"}, {"name": "Crème brûlée", "price": 7, "note": "déjà vu €"}],
        "warnings": ["encodingGuessed"],
    },
    "unicode-text.txt": {
        "encoding": "UTF-16LE", "guessed": False,
        "schema": [["이름", "string", None], ["도시", "string", None], ["점수", "integer", None]],
        "rows": [{"이름": "김민수", "도시": "서울", "점수": 90}, {"이름": "Ann", "도시": "Busan", "점수": 85}],
        "warnings": [],
    },
    "european-cp949.csv": {
        "encoding": "EUC-KR", "guessed": True,
        "schema": [["날짜", "date", "day-first dates"], ["부서", "string", None], ["금액", "float", "decimal comma"], ["비율", "float", "decimal comma"]],
        "rows": [{"날짜": "2024-02-13", "부서": "영업부", "금액": 1234.5, "비율": None},
                 {"날짜": "2024-03-01", "부서": "인사부", "금액": 2000.0, "비율": 0.25},
                 {"날짜": "2024-03-05", "부서": "개발부", "금액": -17.5, "비율": 1.0}],
        "warnings": ["encodingGuessed"],
    },
    "us-joined.csv": {
        "encoding": "UTF-8", "guessed": False,
        "schema": [["id", "integer", None], ["amount", "integer", "thousands comma"], ["when", "timestamp", "month-first dates"], ["note", "string", None]],
        "rows": [{"id": 1, "amount": 1234, "when": "2024-12-31T15:04:00", "note": None},
                 {"id": 2, "amount": 17, "when": "2024-01-02T09:00:00", "note": "ok"},
                 {"id": 3, "amount": 12345, "when": "2024-01-03T12:30:00", "note": None}],
        "warnings": ["commentLines", "repeatedHeader"],
    },
}

for name, (codec, text) in FILES.items():
    with open(name, "wb") as f:
        f.write(text.encode(codec))
with open("expected.json", "w") as f:
    json.dump(EXPECTED, f, ensure_ascii=False, indent=1)
