"""sheetkit: review sheets (総括表) of Japanese municipal comprehensive plans."""

__version__ = "0.1.0"

# the layout written when none is named (templates/tokorozawa.yaml); here, so that the
# command line names it in its help without loading the layout machinery
DEFAULT_LAYOUT = "tokorozawa"
