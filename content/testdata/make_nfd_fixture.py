# Generates nghi-dinh-94-2010-nd-cp.txt (NFD, CRLF line ends, UTF-8 BOM)
# from nghi-dinh-94-2010-nd-cp.nfc, to test that Parse normalises input.
import unicodedata
src = open("nghi-dinh-94-2010-nd-cp.nfc", encoding="utf-8").read()
out = "\ufeff" + unicodedata.normalize("NFD", src).replace("\n", "\r\n")
open("nghi-dinh-94-2010-nd-cp.txt", "w", encoding="utf-8", newline="").write(out)
