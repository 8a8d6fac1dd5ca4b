"""Message templates, Japanese first, English available.

Every code is stable (kebab-case); a template may use the parameters that
the code's problems carry, and always says what to do."""

from __future__ import annotations

from typing import Any

from sheetkit.problems import Location, Problem

LANGS = ("ja", "en")

MESSAGES: dict[str, dict[str, Any]] = {
    "file-not-found": {
        "ja": "ファイルが見つかりません。ファイル名と場所を確かめてください。",
        "en": "The file does not exist. Check the file name and folder.",
    },
    "no-permission": {
        "ja": "このファイルは読み取りの権限がないため読めません（壊れているわけではありません）。ファイルの権限（プロパティ・セキュリティ）を確かめるか、読める場所にコピーしてください。",
        "en": "The file cannot be read because of its access rights (it is not damaged). Check the file's permissions, or copy it to a place where it can be read.",
    },
    "not-a-file": {
        "ja": "通常のファイルではありません（フォルダー・デバイス・名前付きパイプなど）。読みませんでした。正しいファイルを指定してください。",
        "en": "This is not a regular file (a folder, a device or a named pipe); it was not read. Give the right file.",
    },
    "file-unreadable": {
        "ja": "ファイルを読み込めませんでした（{size}）。ファイルの場所を確かめ、もう一度試してください。",
        "en": "The file could not be read ({size}). Check where it is and try again.",
    },
    "data-too-large": {
        "ja": "データのファイルが大きすぎます（{size} バイト、読めるのは {limit} バイトまで）。正しいファイルか確かめてください。",
        "en": "The data file is too large ({size} bytes; at most {limit} bytes are read). Check that it is the right file.",
    },
    "workbook-as-data": {
        "ja": "「{name}」は Excel のブック（総括表・記入様式）で、データ（YAML/JSON）ではありません。データにするには sheetkit extract {name} -o {stem}.yaml を実行し、できた {stem}.yaml を指定してください。",
        "en": "'{name}' is an Excel workbook (a 総括表 or template), not data (YAML/JSON). Turn it into data with: sheetkit extract {name} -o {stem}.yaml, then give {stem}.yaml.",
    },
    "already-data": {
        "ja": "「{name}」はすでにデータ（YAML/JSON）です。extract は Excel のブック（.xlsx）をデータに戻すコマンドです。このファイルはそのまま generate・template・merge --base・validate に使えます。",
        "en": "'{name}' is already data (YAML/JSON). extract turns an Excel workbook (.xlsx) into data; use this file as it is with generate, template, merge --base or validate.",
    },
    "implausible-number": {
        "ja": "番号「{value}」は使えません。章・節の番号は 1 から {limit} までの整数で書いてください。",
        "en": "The number '{value}' cannot be used. Chapter and section numbers are whole numbers from 1 to {limit}.",
    },
    "duplicate-chapter": {
        "default": {
            "ja": "第{number}章が2回書かれています（{first} と {second}）。章の番号を直すか、どちらかを外してください。",
            "en": "Chapter {number} is given twice ({first} and {second}). Correct a chapter number or leave one of them out.",
        },
        "lines": {
            "ja": "第{number}章が2回書かれています（{first}行目と{second}行目）。章の番号を直すか、どちらかを削除してください。",
            "en": "Chapter {number} is written twice (lines {first} and {second}). Correct a chapter number or remove one of them.",
        },
    },
    "plan-mismatch": {
        "ja": "計画の {key} が {first} と {second} で違います。同じ総合計画の章のファイルか確かめ、plan: をそろえてください。",
        "en": "The plan block's {key} differs between {first} and {second}. Check that the files are chapters of the same plan, and make their plan: blocks the same.",
    },
    "no-data-files": {
        "ja": "フォルダー「{name}」にデータ（.yaml・.yml・.json）がありません。章のファイルが入ったフォルダーを指定してください。",
        "en": "The folder '{name}' holds no data files (.yaml, .yml, .json). Give the folder that holds the chapter files.",
    },
    "several-chapters": {
        "ja": "このブックは複数の章（第{chapters}章）の総括表で、ここでは1つの章しか扱えません。sheetkit extract で計画全体のデータにしてから使ってください。",
        "en": "This workbook is a 総括表 of several chapters ({chapters}); only one chapter can be used here. Turn it into the plan's data with sheetkit extract first.",
    },
    "section-needs-chapter": {
        "ja": "データには複数の章（第{chapters}章）があります。--section で節を選ぶときは --chapter で章も指定してください。",
        "en": "The data holds several chapters ({chapters}). To choose sections with --section, give the chapter with --chapter too.",
    },
    "no-such-chapter": {
        "ja": "第{number}章はデータにありません（あるのは：{available}）。章の番号を確かめてください。",
        "en": "There is no chapter {number} in the data (there are: {available}). Check the number.",
    },
    "duplicate-section": {
        "ja": "第{number}節が2回書かれています（{first}行目と{second}行目）。番号を直すか、どちらかを削除してください。",
        "en": "Section {number} is written twice (lines {first} and {second}). Correct a number or remove one of them.",
    },
    "wrong-extension": {
        "ja": "出力先「{path}」の拡張子では書き出せません。この出力は {allowed} の名前にしてください（例：{example}）。",
        "en": "Cannot write '{path}' under that extension. Name this output {allowed} (e.g. {example}).",
    },
    "too-deep": {
        "ja": "入れ子（字下げや括弧の重なり）が深すぎます（{limit} 段まで）。総括表のデータではないようです。正しいファイルか確かめてください。",
        "en": "The nesting (indentation or brackets) is too deep (at most {limit} levels). This does not look like 総括表 data; check that it is the right file.",
    },
    "lock-file-skipped": {
        "ja": "「{name}」は Excel や LibreOffice がファイルを開いている間に作るロックファイルなので、読まずに飛ばしました。",
        "en": "'{name}' is a lock file that Excel or LibreOffice makes while a file is open; it was skipped.",
    },
    "unsupported-format": {
        "ja": "この種類のファイル（{suffix}）は読めません。.yaml・.yml・.json・.xlsx のいずれかを指定してください。",
        "en": "Cannot read this kind of file ({suffix}). Give a .yaml, .yml, .json or .xlsx file.",
    },
    "yaml-syntax": {
        "ja": "YAML の書き方に誤りがあります（{detail}）。この行とその前の行の字下げ・記号を確かめてください。",
        "en": "The YAML is not well formed ({detail}). Check the indentation and symbols on this line and the one before.",
    },
    "json-syntax": {
        "ja": "JSON の書き方に誤りがあります（{detail}）。括弧・引用符・カンマを確かめてください。",
        "en": "The JSON is not well formed ({detail}). Check the brackets, quotes and commas.",
    },
    "not-utf8": {
        "ja": "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください。",
        "en": "The file is not UTF-8. Save it again as UTF-8.",
    },
    "missing-key": {
        "ja": "「{key}」がありません。この項目を書き加えてください。",
        "en": "'{key}' is missing. Add it.",
    },
    "unknown-key": {
        "ja": "「{key}」という項目はありません。綴りを確かめるか、この行を削除してください（使える項目：{allowed}）。",
        "en": "There is no item '{key}'. Check the spelling or remove the line (allowed: {allowed}).",
    },
    "duplicate-key": {
        "ja": "「{key}」が2回書かれています。どちらか一方を削除してください。",
        "en": "'{key}' is written twice. Remove one of them.",
    },
    "wrong-type": {
        "ja": "「{key}」には{expected}を書いてください（今は「{value}」）。",
        "en": "'{key}' must be {expected_en} (it is '{value}').",
    },
    "period-count": {
        "ja": "この指標の periods は {count} 期分ですが、計画（plan の periods、{plan}行目）は {expected} 期です。計画の期の順に、期ごとに1つずつ書いてください（その期に指標がなかったときは null）。",
        "en": "This indicator's periods list has {count} items but the plan (plan's periods, line {plan}) has {expected} periods. Give one item per plan period, in order (null where the indicator did not exist).",
    },
    "mixed-periods": {
        "ja": "plan に periods と「{key}」の両方があります。periods の一覧だけにしてください（first_half・second_half は2期の古い書き方です）。",
        "en": "The plan has both periods and '{key}'. Use the periods list only (first_half and second_half are the older two-period form).",
    },
    "invalid-direction": {
        "ja": "指標のめざす方向「{value}」は使えません。↗（増やす）か ↘（減らす）を書いてください。",
        "en": "The indicator direction '{value}' is not allowed. Write ↗ (increase) or ↘ (decrease).",
    },
    "output-exists": {
        "ja": "出力先「{path}」はすでにあります。上書きするときは --force を付けてください。",
        "en": "The output '{path}' already exists. Add --force to replace it.",
    },
    "output-failed": {
        "ja": "出力先「{path}」に書き込めません（{detail}）。フォルダーと書き込み権限を確かめてください。",
        "en": "Cannot write '{path}' ({detail}). Check the folder and permissions.",
    },
    "output-twice": {
        "ja": "出力先「{path}」が2回指定されています（-o・--data・--csv など）。それぞれ別の名前にしてください。",
        "en": "The output '{path}' is named twice (-o, --data, --csv …). Give each output its own name.",
    },
    "output-is-input": {
        "ja": "出力先「{path}」は入力のファイル（または入力のあるフォルダー）です。入力を壊さないよう、--force があっても書きません。別の名前かフォルダーを指定してください。",
        "en": "The output '{path}' is an input file (or the folder of an input). To keep the inputs safe it is never written, even with --force. Choose another name or folder.",
    },
    "disk-full": {
        "ja": "ディスクの空きが足りません（「{path}」を書けませんでした）。何も書き換えていません。空きを作ってからやり直してください。",
        "en": "The disk is full (could not write '{path}'). Nothing was replaced. Free some space and try again.",
    },
    "no-such-section": {
        "ja": "第{number}節はデータにありません（あるのは：{available}）。節の番号を確かめてください。",
        "en": "There is no section {number} in the data (there are: {available}). Check the number.",
    },
    "interrupted": {
        "ja": "中断しました。書きかけの出力は残していません。",
        "en": "Interrupted. No partly written output was left behind.",
    },
    "internal-error": {
        "ja": "予期しないエラーが起きました（{detail}）。入力ファイルを添えて担当者に連絡してください。",
        "en": "An unexpected error occurred ({detail}). Please report it with the input file.",
    },
    "not-sheetkit": {
        "ja": "sheetkit で作った総括表・記入様式ではありません（隠しシート _sheetkit がありません）。配布した様式に記入して提出してもらってください。",
        "en": "This is not a 総括表 or template made by sheetkit (no hidden _sheetkit sheet). Ask for the distributed template to be filled in.",
    },
    "layout-mismatch": {
        "ja": "様式の形が崩れていて「{detail}」の欄が見つかりません。見出しや欄を消さずに、配布した様式に記入し直してください。",
        "en": "The sheet's structure is broken: '{detail}' cannot be found. Fill in the distributed template again without deleting headings or blocks.",
    },
    "rating-not-found": {
        "ja": "評価方法「{name}」がありません。同梱の評価方法（{available}）の名前か、評価方法の YAML ファイルを --rating に指定してください。",
        "en": "There is no rating scheme '{name}'. Give --rating a bundled scheme ({available}) or a scheme YAML file.",
    },
    "rating-invalid": {
        "ja": "評価方法のファイルに誤りがあります（{detail}）。この行を直してください（書き方は schemas/ratings/tassei.yaml の説明のとおりです）。",
        "en": "The rating scheme file is invalid ({detail_en}). Fix this line (the format is explained in schemas/ratings/tassei.yaml).",
    },
    "layout-invalid": {
        "ja": "レイアウト定義「{layout}」に誤りがあります（{detail}）。templates/ のファイルを直してください。",
        "en": "The layout '{layout}' is invalid ({detail}). Fix the file in templates/.",
    },
    "not-in-layout": {
        "ja": "「{value}」は、レイアウト「{layout}」の目標指標の表に{what}の欄がないため、総括表には載りません。載せるには、その欄のあるレイアウトを --layout で指定してください。",
        "en": "'{value}' does not appear in the 総括表: the 目標指標 table of layout '{layout}' has no {what_en} column. Give a layout with that column with --layout to show it.",
    },
    "layout-periods": {
        "default": {
            "ja": "データの期は {count} 期ですが、レイアウト「{layout}」の目標指標の表には {columns} 期分の列しかありません。期の多いデータに合うレイアウトを --layout で指定するか、レイアウトの indicators の periods に列を足してください。",
            "en": "The data has {count} periods but the 目標指標 table of layout '{layout}' has columns for {columns}. Give a layout that fits with --layout, or add columns to the layout's indicators periods.",
        },
        "no-rate": {
            "ja": "データの期は {count} 期なので、実績値を記入する期は {review} 期目になりますが、レイアウト「{layout}」の目標指標の表ではその期に達成率の列がありません。データの期をレイアウトの {columns} 期にそろえるか、データに合うレイアウトを --layout で指定してください。",
            "en": "With {count} periods in the data, the period under review is period {review}, but the 目標指標 table of layout '{layout}' has no 達成率 column for it. Give the data the layout's {columns} periods, or a layout that fits with --layout.",
        },
    },
    "layout-not-found": {
        "ja": "レイアウト「{layout}」が見つかりません（使えるもの：{available}）。",
        "en": "No layout '{layout}' (available: {available}).",
    },
    "soffice-missing": {
        "ja": "PDF を作るための LibreOffice（soffice）が見つかりません。Debian/Ubuntu では「sudo apt-get install libreoffice-calc-nogui fonts-ipaexfont」、Windows では https://ja.libreoffice.org/ から LibreOffice を入れて、soffice.exe のあるフォルダー（C:\\Program Files\\LibreOffice\\program）を PATH に加えてください。",
        "en": "LibreOffice (soffice) is needed to make the PDFs and was not found. On Debian/Ubuntu: sudo apt-get install libreoffice-calc-nogui fonts-ipaexfont; on Windows: install LibreOffice from https://www.libreoffice.org/ and add C:\\Program Files\\LibreOffice\\program to PATH.",
    },
    "poppler-missing": {
        "ja": "PDF のページ数を確かめる pdfinfo（poppler）が見つかりません。Debian/Ubuntu では「sudo apt-get install poppler-utils」、Windows では poppler（https://github.com/oschwartz10612/poppler-windows）を入れて、その bin フォルダーを PATH に加えてください。",
        "en": "pdfinfo (poppler), which checks the PDFs' page counts, was not found. On Debian/Ubuntu: sudo apt-get install poppler-utils; on Windows: install poppler (https://github.com/oschwartz10612/poppler-windows) and add its bin folder to PATH.",
    },
    "conversion-timeout": {
        "ja": "LibreOffice が {seconds} 秒以内に PDF を作り終えなかったため、止めました。ほかの LibreOffice を閉じてから、もう一度実行してください（--timeout で待つ時間を延ばせます）。",
        "en": "LibreOffice did not finish the PDF within {seconds} seconds and was stopped. Close other LibreOffice windows and run again (--timeout gives it longer).",
    },
    "conversion-failed": {
        "ja": "LibreOffice が PDF を作れませんでした（{detail}）。LibreOffice で総括表を開けるか確かめてから、もう一度実行してください。",
        "en": "LibreOffice did not make the PDF ({detail}). Check that the workbook opens in LibreOffice and run again.",
    },
    "publish-needs-summary": {
        "ja": "これは各課の記入様式で、総括表ではありません。公表には merge で作った総括表か、データ（YAML/JSON）を指定してください。",
        "en": "This is a department's template, not a 総括表. Publish the 総括表 made by merge, or the data (YAML/JSON).",
    },
    "page-count-mismatch": {
        "ja": "PDF が {found} ページになりました（印刷設定では {expected} ページ）。列が用紙からはみ出したか、改ページが守られていません。公表せずに止めました。LibreOffice と日本語フォント（fonts-ipaexfont）を確かめてください。",
        "en": "The PDF has {found} pages where the print setup plans {expected}: a column ran off the paper or the page breaks were not kept. Nothing was published. Check LibreOffice and the Japanese font (fonts-ipaexfont).",
    },
}

FINDINGS: dict[str, dict[str, Any]] = {
    "missing-outcome": {
        "ja": "「{present_label}」は書かれていますが「{missing_label}」が空です（「－」だけのときも空とみなします）。{missing_label}を書いてください。",
        "en": "'{present_label}' is filled in but '{missing_label}' is empty (a lone '－' counts as empty). Write the {missing_label}.",
    },
    "missing-direction": {
        "ja": "「{present_label}」は書かれていますが「{missing_label}」が空です（「－」だけのときも空とみなします）。{missing_label}を書いてください。",
        "en": "'{present_label}' is filled in but '{missing_label}' is empty (a lone '－' counts as empty). Write the {missing_label}.",
    },
    "missing-value": {
        "default": {
            "ja": "「{label}」が空です。入力してください。",
            "en": "'{label}' is empty. Fill it in.",
        },
        "no-figures": {
            "ja": "目標指標「{name}」には数値がひとつもありません。策定時の値・目標値・実績値を入力してください（わからないときは企画課に相談してください）。",
            "en": "The indicator '{name}' has no figures at all. Enter its baseline, targets and actuals (ask the planning office if unsure).",
        },
        "actual": {
            "ja": "目標指標「{name}」の{period}の実績値が空です。目標値があるので、実績値を入力してください。",
            "en": "The actual of '{name}' for {period} is empty, although there is a target. Enter the actual.",
        },
    },
    "invalid-value": {
        "ja": "「{value}」は使えません：{reason}。",
        "en": "'{value}' cannot be used: {reason}.",
    },
    "invalid-date": {
        "ja": "記入日「{value}」は実在しない日付か、明治元年から2100年までの範囲の外です。正しい日付を入力してください（例：令和元年12月20日、2019/12/20）。",
        "en": "The entry date '{value}' is not a real date, or lies outside 明治元年 (1868) to 2100. Enter a real date (e.g. 令和元年12月20日 or 2019/12/20).",
    },
    "rate-mismatch": {
        "ja": "目標指標「{name}」の{period}の達成率が{value}と書かれていますが、目標値と実績値から計算すると{expected}です。達成率か数値を直してください。",
        "en": "The achievement rate of '{name}' for {period} is written as {value}, but its target and actual give {expected}. Correct the rate or the figures.",
    },
    "formula-overwritten": {
        "ja": "目標指標「{name}」の{period}の達成率の計算式が、値 {value} で上書きされています。計算式のままにしてください（計算すると{expected}）。",
        "en": "The achievement-rate formula of '{name}' for {period} was overwritten with {value}. Keep the formula (it gives {expected}).",
    },
    "unknown-policy": {
        "ja": "基本方針「{value}」は、この節の基本方針（{expected}）にありません。一覧から選び直してください。",
        "en": "The basic policy '{value}' is not one of this section's ({expected}). Choose one from the list.",
    },
    "policy-title-mismatch": {
        "ja": "基本方針の番号は合っていますが、名前が「{value}」になっています。基本方針の一覧では「{expected}」です。一覧から選び直してください。",
        "en": "The basic-policy code is right but its title reads '{value}'; the list says '{expected}'. Choose it from the list.",
    },
    "policy-without-initiative": {
        "ja": "基本方針「{value}」に当たる取り組みが1件もありません。取り組みがあれば記入してください。",
        "en": "No initiative row names the basic policy '{value}'. Add its initiatives if there are any.",
    },
    "unmet-not-analyzed": {
        "ja": "目標指標「{name}」は{period}の達成率が{value}で目標に届いていませんが、未達成指標の理由・分析にこの指標の説明がありません。理由を書き加えてください。",
        "en": "The indicator '{name}' reached {value} in {period}, short of its target, but the analysis of unmet indicators does not mention it. Add the reason.",
    },
    "below-baseline": {
        "default": {
            "ja": "目標指標「{name}」の{period}の実績値 {value} は、策定時の値 {expected} より低くなっています（増加をめざす指標です）。達成率にかかわらず策定時より後退しています。数値が正しいか確かめ、正しければ理由・分析で触れてください。",
            "en": "The indicator '{name}' has an actual of {value} in {period}, below its baseline value of {expected} (it aims to increase). Whatever its achievement rate, it went back since the baseline. Check the figure and, if it is right, explain it in the analysis.",
        },
        "down": {
            "ja": "目標指標「{name}」の{period}の実績値 {value} は、策定時の値 {expected} より高くなっています（減少をめざす指標です）。達成率にかかわらず策定時より後退しています。数値が正しいか確かめ、正しければ理由・分析で触れてください。",
            "en": "The indicator '{name}' has an actual of {value} in {period}, above its baseline value of {expected} (it aims to decrease). Whatever its achievement rate, it went back since the baseline. Check the figure and, if it is right, explain it in the analysis.",
        },
    },
    "rank-inconsistent": {
        "default": {
            "ja": "分野中順位が{value}位になっていますが、要望率の高い順では{expected}位です（同じ順位の節が複数あるときも指摘します）。順位を確かめてください。",
            "en": "The rank in the chapter is {value}, but by request rate it should be {expected} (shared ranks are reported too). Check the ranks.",
        },
        "overall-shared": {
            "ja": "全節中順位の{value}位が{other}と重なっています。全節中順位は計画の節ごとに違う順位です。順位を確かめてください。",
            "en": "The rank among all sections, {value}, is also {other}'s. Each section of the plan has its own rank. Check the ranks.",
        },
        "overall-order": {
            "ja": "全節中順位が{value}位ですが、要望率がより高い{other}（{other_rate}）が{other_rank}位で、要望率の順になっていません。どちらかの順位を確かめてください。",
            "en": "The rank among all sections is {value}, but {other}, whose request rate is higher ({other_rate}), is ranked {other_rank}: the ranks do not follow the request rates. Check the ranks.",
        },
    },
    "policy-code-misplaced": {
        "ja": "基本方針の番号「{value}」は、この節の番号（{expected}）で始まっていません。章・節の番号と基本方針の番号を確かめてください。",
        "en": "The basic policy code '{value}' does not begin with this section's numbers ({expected}). Check the chapter and section numbers and the code.",
    },
    "unknown-main-policy": {
        "ja": "「{value}」は、この章の≪主な方針≫（{expected}）にありません。章の主な方針から選び直してください。",
        "en": "'{value}' is not one of this chapter's main policies ({expected}). Choose one of the chapter's main policies.",
    },
    "template-mismatch": {
        "ja": "sheetkit で配布した記入様式・総括表ではありません。配布した様式に記入して提出してもらってください。",
        "en": "This is not a template or 総括表 made by sheetkit. Ask for the distributed template to be filled in.",
    },
    "layout-unavailable": {
        "default": {
            "ja": "このブックはレイアウト「{layout}」（版 {version}）で作られていますが、そのレイアウトは sheetkit に付属していません（市で作ったレイアウトのようです）。作ったときのレイアウトのファイルを「--layout ファイル」で指定して、もう一度実行してください（例：--layout {layout}.yaml）。",
            "en": "This workbook was made with the layout '{layout}' (version {version}), which is not bundled with sheetkit (it looks like your own layout). Give the layout file it was made with as --layout FILE and run again (e.g. --layout {layout}.yaml).",
        },
        "changed": {
            "ja": "このブックはレイアウト「{layout}」（版 {version}）で作られていますが、付属の「{layout}」とは内容が違います（レイアウトを書き換えて作ったようです）。作ったときのレイアウトのファイルを「--layout ファイル」で指定して、もう一度実行してください。",
            "en": "This workbook was made with a layout '{layout}' (version {version}) whose text differs from the bundled '{layout}' (it was made with an edited layout). Give the layout file it was made with as --layout FILE and run again.",
        },
    },
    "template-outdated": {
        "ja": "古い版の様式です（様式の版 {value}、現在の版 {expected}）。新しい様式を配り直し、記入し直してもらってください。",
        "en": "This template is from an older layout version ({value}; current {expected}). Send the new template and ask for it to be filled in again.",
    },
    "template-modified": {
        "default": {
            "ja": "様式の固定部分（節の名前・まちづくりの目標・基本方針・目標指標の名前や目標値など）が書き換えられています。配布した様式に記入し直してもらうか、企画課で確認してください。",
            "en": "Fixed parts of the template (section title, goal, basic policies, indicator names or targets) were edited. Ask for the distributed template to be filled in again, or check with the planning office.",
        },
        "field": {
            "ja": "様式の固定部分「{label}」が「{value}」に書き換えられています（配布したときは「{expected}」）。元に戻すか、企画課に相談してください。",
            "en": "A fixed part of the template, '{label}', was changed to '{value}' (it was '{expected}' when sent). Change it back, or ask the planning office.",
        },
        "structure": {
            "ja": "様式の形が崩れていて「{detail}」の欄が見つかりません。見出しや欄を消さずに、配布した様式に記入し直してください。",
            "en": "The sheet's structure is broken: '{detail}' cannot be found. Fill in the distributed template again without deleting headings or blocks.",
        },
    },
    "external-link": {
        "ja": "外部へのリンク（{value}）があります。sheetkit はリンク先を開きもたどりもしません。不要なら削除してください。",
        "en": "There is an external link ({value}). sheetkit neither opens nor follows it. Remove it if it is not needed.",
    },
    "wrong-chapter": {
        "ja": "この様式は「{value}」のものです。集めているのは「{expected}」です。正しい様式か確かめてください。",
        "en": "This template belongs to '{value}', but '{expected}' is being collected. Check that it is the right template.",
    },
    "duplicate-return": {
        "ja": "第{section}節の提出が複数あります（{value}）。どれを使うか決めて不要なファイルを外すか、--prefer newest で新しいものを使ってください。",
        "en": "Section {section} was returned more than once ({value}). Remove the extra files, or use --prefer newest to take the latest.",
    },
    "section-missing": {
        "default": {
            "ja": "第{section}節「{value}」がまだ提出されていません。総括表には固定部分だけを「未提出」の印を付けて載せました。",
            "en": "Section {section} '{value}' has not been returned yet. The 総括表 shows only its fixed parts, marked 'not returned'.",
        },
        "rejected": {
            "ja": "第{section}節「{value}」は提出されましたが、エラー {count} 件のため取り込んでいません（差し戻し中）。総括表には固定部分だけを「差し戻し中」の印を付けて載せました。",
            "en": "Section {section} '{value}' was returned but rejected (errors: {count}). The 総括表 shows only its fixed parts, marked 'sent back'.",
        },
        "duplicate": {
            "ja": "第{section}節「{value}」は提出が複数あるため取り込んでいません。総括表には固定部分だけを載せました。",
            "en": "Section {section} '{value}' was returned more than once and is not merged. The 総括表 shows only its fixed parts.",
        },
    },
    "text-outside-input": {
        "default": {
            "ja": "ここに書かれた「{value}」は、sheetkit が読み取らない場所にあるため、総括表に入りません。黄色の入力欄（表の中なら該当する列の最初のセル）に移してください。不要なら削除してください。",
            "en": "'{value}' is written where sheetkit does not read, so it would not reach the 総括表. Move it into a yellow input cell (in a table, the first cell of its column), or delete it.",
        },
        "more": {
            "ja": "このシートには、ほかにも読み取らない場所に {count} 個の記入があります。黄色の入力欄に移すか削除してください。",
            "en": "This sheet has {count} more entries where sheetkit does not read. Move them into yellow input cells or delete them.",
        },
    },
    "formula-in-input": {
        "ja": "入力欄に数式「{value}」が入っています。画面に表示されていた値「{expected}」を読み取りました（数式は計算も転記もしません）。数式ではなく値を入力してください。",
        "en": "The input cell holds the formula '{value}'. The value it showed, '{expected}', was read (formulas are neither evaluated nor copied). Type the value instead of a formula.",
    },
    "text-too-long": {
        "ja": "「{value}」は {count} 文字あり、Excel の1つのセルに入る {limit} 文字を超えています（総括表では切れてしまいます）。短くしてください。",
        "en": "'{value}' has {count} characters, more than the {limit} an Excel cell holds (it would be cut in the 総括表). Shorten it.",
    },
    "base-mismatch": {
        "default": {
            "ja": "この様式の固定部分が企画課のデータ（--base）と違います。企画課のデータか様式を確かめてください。",
            "en": "The fixed parts of this template differ from the planning office's data (--base). Check the data or the template.",
        },
        "identity": {
            "ja": "この様式は第{section}節として提出されていますが、節の名前「{value}」とまちづくりの目標が、企画課のデータの第{section}節「{expected}」と違います（内容は{looks_like}のものです）。取り込みません。配布した第{section}節の様式に記入し直してもらってください。",
            "en": "This template says it is section {section}, but its title '{value}' and goal are not those of section {section} in the planning office's data ('{expected}'; its content is that of {looks_like}). It is not merged. Ask for the distributed template of section {section} to be filled in again.",
        },
        "field": {
            "ja": "「{label}」が「{value}」ですが、企画課のデータ（--base）では「{expected}」です。様式を配った後にデータを直したのなら新しい様式で記入し直してもらい、そうでなければ様式を元に戻してもらってください。",
            "en": "'{label}' reads '{value}', but the planning office's data (--base) says '{expected}'. If the data was corrected after the templates went out, ask for the new template to be filled in; otherwise ask for the template to be restored.",
        },
        "indicator-unknown": {
            "ja": "目標指標「{value}」は企画課のデータ（--base）の第{section}節にありません（データにあって様式にない指標：{expected}）。指標の名前が変わったのなら、新しい様式で記入し直してもらってください。この指標の実績値は取り込みません。",
            "en": "The indicator '{value}' is not in section {section} of the planning office's data (--base) (indicators in the data but not in the template: {expected}). If it was renamed, ask for the new template to be filled in. Its actual is not merged.",
        },
        "indicator-missing": {
            "ja": "企画課のデータ（--base）の目標指標「{value}」がこの様式にありません。新しい様式で記入し直してもらってください。",
            "en": "The indicator '{value}' of the planning office's data (--base) is not in this template. Ask for the new template to be filled in.",
        },
        "indicator-moved": {
            "ja": "目標指標「{value}」がこの様式では{position}番目ですが、企画課のデータ（--base）では{expected}番目です。実績値は指標の名前で取り込みますが、並びが違う理由を確かめてください。",
            "en": "The indicator '{value}' is number {position} in this template but number {expected} in the planning office's data (--base). Actuals are matched by name, but check why the order differs.",
        },
        "indicator-field": {
            "ja": "目標指標「{name}」の「{label}」が「{value}」ですが、企画課のデータ（--base）では「{expected}」です。様式を配った後にデータを直したのなら新しい様式で記入し直してもらい、そうでなければ様式を元に戻してもらってください。",
            "en": "'{label}' of the indicator '{name}' reads '{value}', but the planning office's data (--base) says '{expected}'. If the data was corrected after the templates went out, ask for the new template to be filled in; otherwise ask for the template to be restored.",
        },
    },
    "rating-mismatch": {
        "ja": "成果指標「{name}」の評価が「{value}」と入力されていますが、達成率 {detail} から決まる評価は「{expected}」です。評価の欄には数式が入っていたはずです。評価か数値を直してください。",
        "en": "The rating of the indicator '{name}' is entered as '{value}', but its achievement rate {detail} gives '{expected}'. The rating cell held a formula; correct the rating or the figures.",
    },
    "unreadable-file": {
        "ja": "ファイルを読めません：{reason}。",
        "en": "The file cannot be read: {reason}.",
    },
}

REASONS: dict[str, dict[str, str]] = {
    "not-number": {"ja": "数値ではありません。数字だけを入力してください（単位や「約」は不要です）",
                   "en": "not a number; enter digits only (no units or 'about')"},
    "negative": {"ja": "0より小さい値です。0以上の値を入力してください",
                 "en": "below zero; enter 0 or more"},
    "over-100": {"ja": "単位が％なのに100を超えています。0～100の値を入力してください",
                 "en": "over 100 for a ％ figure; enter 0 to 100"},
    "rank": {"ja": "順位は1以上の整数で入力してください", "en": "a rank must be a whole number of 1 or more"},
    "choice": {"ja": "一覧にない値です。次のどれかを選んでください：{detail}",
               "en": "it is not in the list; choose one of: {detail}"},
    "sdg": {"ja": "SDGsの目標番号は1～17の整数で書いてください",
            "en": "an SDG is a goal number from 1 to 17"},
    "direction": {"ja": "指標のめざす方向は ↗ か ↘ で書いてください",
                  "en": "the direction must be ↗ or ↘"},
    "empty": {"ja": "ファイルが空です（0バイト）。もう一度保存して送り直してください",
              "en": "the file is empty (0 bytes); save it again and resend it"},
    "encrypted": {"ja": "パスワードで保護されています。パスワードを解除して再提出してください",
                  "en": "it is password-protected; remove the password and resubmit"},
    "xls": {"ja": "古い Excel 形式（.xls）です。.xlsx 形式で保存し直してください",
            "en": "it is the old Excel format (.xls); save it again as .xlsx"},
    "damaged": {"ja": "ファイルが壊れています（途中までしか届いていないのかもしれません）。もう一度保存して送り直してください",
                "en": "the file is damaged (perhaps only partly received); save it again and resend it"},
    "not-workbook": {"ja": "Excel のファイルではありません（CSV や HTML の名前を変えたものかもしれません）。Excel で開いて .xlsx 形式で保存し直してください",
                     "en": "it is not an Excel workbook (perhaps a renamed CSV or HTML file); open it in Excel and save it as .xlsx"},
    "missing": {"ja": "ファイルが見つかりません", "en": "the file does not exist"},
    "permission": {"ja": "読み取りの権限がないため読めません（壊れているわけではありません）。ファイルの権限を確かめるか、読める場所にコピーしてください",
                   "en": "it cannot be read because of its access rights (it is not damaged); check the file's permissions or copy it to a place where it can be read"},
    "not-regular": {"ja": "通常のファイルではありません（デバイス・名前付きパイプなどへのリンク）。読まずに飛ばしました。提出されたファイルか確かめてください",
                    "en": "it is not a regular file (a link to a device, a named pipe or the like); it was skipped unread. Check that it is a returned file"},
    "folder": {"ja": "フォルダーです。中の提出ファイルを読むときは、そのフォルダーを直接指定してください",
               "en": "it is a folder; to read the returns in it, name that folder itself"},
    "crashed": {"ja": "読み込みの途中で処理が異常終了しました（メモリー不足など）。ほかのファイルは読み込みました。このファイルを Excel で開いて保存し直してもらうか、配布した様式に記入し直してもらってください",
                "en": "reading it made the reading process end abnormally (out of memory or similar); the other files were read. Ask for it to be saved again in Excel, or for the distributed template to be filled in again"},
    "ods": {"ja": "OpenDocument 形式（.ods）です。Excel 形式（.xlsx）で保存し直してください",
            "en": "it is an OpenDocument spreadsheet (.ods); save it again as .xlsx"},
    "macro": {"ja": "マクロ付きのブック（.xlsm）です。マクロは実行も読み込みもしていません。マクロなしの .xlsx 形式で保存し直して再提出してください",
              "en": "it is a macro-enabled workbook (.xlsm); the macros were neither run nor read. Save it again as a plain .xlsx and resubmit"},
    "too-large": {"ja": "大きすぎます（{detail}{what}）。配布した様式に記入したものか確かめ、余分なシートや行を消して保存し直してください",
                  "en": "it is too large ({detail} {what}); check that it is the distributed template and remove extra sheets or rows"},
    "far-cells": {"ja": "大きすぎます：シートの使用範囲が {detail} まで広がっています（読めるのは {limit} セル分まで）。離れたセルに入った文字や書式を行・列ごと削除して保存し直すか、配布した様式に記入し直してください",
                  "en": "it is too large: a sheet's used area reaches {detail} (at most {limit} cells can be read); delete the far-away rows and columns holding text or formatting and save again, or fill in the distributed template again"},
    "merged": {"ja": "大きすぎます：セルの結合が多すぎるか広すぎます（{detail}{what}）。不要な結合を解除して保存し直すか、配布した様式に記入し直してください",
               "en": "it is too large: too many or too wide merged cells ({detail} {what}); unmerge what is not needed and save again, or fill in the distributed template again"},
    "unsafe-xml": {"ja": "ファイルの中に危険な構造（XML の DOCTYPE・エンティティ定義）があります。配布した様式に記入し直してください",
                   "en": "it contains unsafe XML (a DOCTYPE or entity declarations); fill in the distributed template again"},
}

UNITS: dict[str, dict[str, str]] = {
    "bytes": {"ja": " バイト", "en": "bytes"}, "parts": {"ja": " 個の部品", "en": "parts"},
    "unzipped": {"ja": " の展開後の大きさ", "en": "unzipped size"},
    "ratio": {"ja": " の圧縮率", "en": "compression ratio"},
    "sheets": {"ja": " シート", "en": "sheets"}, "rows": {"ja": " 行", "en": "rows"},
    "cells": {"ja": " セル", "en": "cells"}, "names": {"ja": " 個の名前定義", "en": "defined names"},
    "memory": {"ja": "メモリー", "en": "memory"},
    "elements": {"ja": " 個の XML 要素", "en": "XML elements"},
    "merged-ranges": {"ja": " か所", "en": "merged ranges"},
    "merged-area": {"ja": " の範囲", "en": "range"},
}

MESSAGES |= FINDINGS

# click's usage errors, in Japanese (click itself speaks English)
CLICK_JA = {
    "missing": "{name} を指定してください。",
    "no-such-option": "{name} というオプションはありません。",
    "did-you-mean": "（もしかして：{names}）",
    "needs-value": "{name} の後に値を書いてください。",
    "bad-value": "{name} の値が正しくありません：{detail}",
    "no-such-command": "「{name}」というコマンドはありません（generate・template・validate・status・merge・extract のどれかです）。",
    "extra-arguments": "余分な引数があります（{args}）。",
    "other": "使い方に誤りがあります（{detail}）。",
    "try-help": "詳しくは「{command} --help」を見てください。",
    "error": "エラー：{message}",
    "bad-env": "環境変数 SHEETKIT_LANG の値「{value}」は使えません。ja か en にしてください（--lang でも指定できます）。",
}
CLICK_EN = {
    "bad-env": "The environment variable SHEETKIT_LANG is '{value}', which is not a language sheetkit speaks. Set it to ja or en (or give --lang).",
}
CLICK_DETAILS_JA = (
    (r"'(.*)' is not one of (.*)\.$", "「{0}」は使えません。次のどれかを指定してください：{1}。"),
    (r"'(.*)' is not (?:a valid )?one of (.*)\.$", "「{0}」は使えません。次のどれかを指定してください：{1}。"),
    (r"File '(.*)' is a directory\.$", "「{0}」はフォルダーです。ファイルを指定してください。"),
    (r"Directory '(.*)' is a file\.$", "「{0}」はファイルです。フォルダーを指定してください。"),
    (r"(?:File|Path|Directory) '(.*)' does not exist\.$", "「{0}」が見つかりません。"),
    (r"(.*) is not in the range (.*)\.$", "{0} は範囲（{1}）の外です。"),
    (r"'(.*)' is not a valid integer(?: range)?\.$", "「{0}」は整数ではありません。"),
)

EXPECTED = {
    "mapping": ("「項目: 値」の組", "a mapping of keys to values"),
    "list": ("「- 」で始まる並び", "a list"),
    "text": ("文字", "text"),
    "whole-number": ("整数", "a whole number"),
}


def render(problem: Problem, lang: str = "ja") -> str:
    """The message alone, in ``lang``."""
    templates = MESSAGES.get(problem.code)
    if templates is None:
        return problem.code
    params = dict(problem.params)
    if "ja" not in templates:
        templates = templates.get(params.get("variant", "default"), templates["default"])
    if params.get("reason") in REASONS:
        reason = REASONS[params["reason"]]
        unit = UNITS.get(params.get("what", ""), {})
        params["reason"] = reason.get(lang, reason["ja"]).format(
            detail=params.get("detail", ""), what=unit.get(lang, ""),
            limit=params.get("limit", ""))
    if "expected" in params and params["expected"] in EXPECTED:
        ja, en = EXPECTED[params["expected"]]
        params["expected"], params["expected_en"] = ja, en
    try:
        return templates[lang if lang in templates else "ja"].format(**params)
    except (KeyError, IndexError):
        return templates["ja"]


def where(location: Location, lang: str = "ja") -> str:
    """'data.yaml 12行目（sections[0].goal）' / 'data.yaml line 12 (sections[0].goal)'."""
    parts = [location.file or ""]
    if location.line is not None:
        parts.append(f"{location.line}行目" if lang == "ja" else f"line {location.line}")
    if location.sheet is not None:
        parts.append(f"{location.sheet}!{location.cell}" if location.cell else location.sheet)
    text = " ".join(p for p in parts if p)
    if location.field:
        text += f"（{location.field}）" if lang == "ja" else f" ({location.field})"
    return text


def line(problem: Problem, lang: str = "ja") -> str:
    """One line for the terminal: where, then what and what to do."""
    place = where(problem.location, lang)
    return f"{place}: {render(problem, lang)}" if place else render(problem, lang)
