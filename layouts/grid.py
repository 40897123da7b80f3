"""AG Grid in the house style: dark like the rest of the desk theme, compact, and nothing from the
internet (AG Grid's theming API ships in the component; its web fonts stay off)."""
from __future__ import annotations

import dash_ag_grid as dag

# the desk theme's colours (assets/cityops.css :root)
THEME = (
    "themeQuartz.withParams({"
    "backgroundColor: '#101a28', foregroundColor: '#e4ebf4', accentColor: '#3ba4ff', borderColor: '#22344d',"
    "chromeBackgroundColor: '#152133', headerTextColor: '#8da0b8', oddRowBackgroundColor: '#0e1724',"
    "rowHoverColor: '#1b2a40', selectedRowBackgroundColor: 'rgba(59, 164, 255, 0.20)',"
    "browserColorScheme: 'dark', fontFamily: 'inherit', fontSize: 13, headerFontSize: 12,"
    "headerFontWeight: 600, rowHeight: 34, headerHeight: 36, spacing: 6, wrapperBorderRadius: 8"
    "})"
)


def grid(grid_id: str, column_defs: list[dict], *, empty_text: str, loading_text: str, row_id: str = "id",
         selectable: bool = False) -> dag.AgGrid:
    """`empty_text` and `loading_text` are shown over the grid (already translated, plain text)."""
    options = {
        "theme": {"function": THEME},
        "loadThemeGoogleFonts": False,
        "suppressCellFocus": not selectable,
        "enableCellTextSelection": True,
        "tooltipShowDelay": 400,
        "localeText": {"noRowsToShow": empty_text, "loadingOoo": loading_text},   # plain text, no HTML
    }
    if selectable:
        options["rowSelection"] = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
    return dag.AgGrid(
        id=grid_id, columnDefs=column_defs, className="cityops-grid",   # no rowData yet: "loading"
        defaultColDef={"resizable": True, "sortable": False, "suppressMovable": True},
        dashGridOptions=options, getRowId=f"params.data.{row_id}",
        style={"height": "100%", "width": "100%"},
    )
