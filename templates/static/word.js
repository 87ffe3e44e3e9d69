/* A Word 对照表 (.docx) written in the browser, for the view the reader has chosen (a topic's matrix
   with the plans picked and the rows filtered, or any two plans side by side): no server, so the file
   is made here, from the cells the page shows. The build writes the same tables for the whole matrix
   with python-docx (compare.render.topic_docx); this writes the same kind of document: A4 landscape,
   the CJK face, a header row repeated on every page, rows never split, decisive words highlighted,
   each clause linked to its place on the site.

   A document is {title, created, font, size, link (colour), blocks}; a block is a paragraph ({runs, heading:
   1 or 2}) or a
   table ({widths: [mm…], heads: [text…], rows: [{group: text} | {cells: [[paragraph…]…]}]}); a run
   is {t: text, b: bold, x: struck through, c: "RRGGBB", s: points, m: marked, u: underlined, href: url}. */
(function () {
  "use strict";
  var NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
  var REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
  var PAGE_MM = [297, 210], MARGIN_MM = 15;

  function esc(text) {  // XML text, without the control characters XML 1.0 cannot hold
    return String(text).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function twips(mm) { return Math.round(mm * 1440 / 25.4); }

  function runXml(r) {
    var props = (r.b ? "<w:b/>" : "") + (r.x ? "<w:strike/>" : "") + (r.c ? '<w:color w:val="' + r.c + '"/>' : "") +
      (r.s ? '<w:sz w:val="' + Math.round(r.s * 2) + '"/>' : "") +
      (r.m ? '<w:highlight w:val="yellow"/>' : "") + (r.u ? '<w:u w:val="single"/>' : "");
    var body = String(r.t).split("\n").map(function (line, k) {
      return (k ? "<w:br/>" : "") + (line ? '<w:t xml:space="preserve">' + esc(line) + "</w:t>" : "");
    }).join("");
    return "<w:r>" + (props ? "<w:rPr>" + props + "</w:rPr>" : "") + body + "</w:r>";
  }

  function Writer(colour) { this.colour = colour || "1F4E8C"; this.links = []; this.ids = {}; }
  Writer.prototype.link = function (url) {  // one relationship per address
    if (!this.ids[url]) { this.links.push(url); this.ids[url] = "rIdL" + this.links.length; }
    return this.ids[url];
  };
  Writer.prototype.paragraph = function (p) {
    var self = this;
    var props = p.heading ? '<w:pPr><w:pStyle w:val="Heading' + p.heading + '"/></w:pPr>' : "";
    return "<w:p>" + props + (p.runs || []).map(function (r) {
      if (!r.href) return runXml(r);
      var styled = { t: r.t, b: r.b, c: r.c || self.colour, s: r.s, u: true };
      return '<w:hyperlink r:id="' + self.link(r.href) + '" w:history="1">' + runXml(styled) + "</w:hyperlink>";
    }).join("") + "</w:p>";
  };
  Writer.prototype.cell = function (width, paragraphs, span, fill) {
    var self = this;
    var props = '<w:tcW w:w="' + width + '" w:type="dxa"/>' + (span > 1 ? '<w:gridSpan w:val="' + span + '"/>' : "") +
      (fill ? '<w:shd w:val="clear" w:color="auto" w:fill="' + fill + '"/>' : "");
    var body = paragraphs.length ? paragraphs.map(function (p) { return self.paragraph(p); }).join("") : "<w:p/>";
    return "<w:tc><w:tcPr>" + props + "</w:tcPr>" + body + "</w:tc>";
  };
  Writer.prototype.table = function (t) {
    var self = this;
    var widths = t.widths.map(twips);
    var total = widths.reduce(function (a, b) { return a + b; }, 0);
    var border = ["top", "left", "bottom", "right", "insideH", "insideV"].map(function (side) {
      return "<w:" + side + ' w:val="single" w:sz="4" w:space="0" w:color="8A939B"/>';
    }).join("");
    var head = '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>' + t.heads.map(function (h, k) {
      return self.cell(widths[k], [{ runs: [{ t: h, b: true }] }], 1, "E8ECEF");
    }).join("") + "</w:tr>";
    var rows = t.rows.map(function (row) {
      var cells = row.group !== undefined
        ? self.cell(total, [{ runs: [{ t: row.group, b: true }] }], widths.length, "F4F6F8")
        : row.cells.map(function (c, k) { return self.cell(widths[k], c, 1, ""); }).join("");
      return "<w:tr><w:trPr><w:cantSplit/></w:trPr>" + cells + "</w:tr>";
    }).join("");
    return '<w:tbl><w:tblPr><w:tblW w:w="' + total + '" w:type="dxa"/><w:tblBorders>' + border +
      '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/>' +
      '<w:right w:w="85" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>' +
      widths.map(function (w) { return '<w:gridCol w:w="' + w + '"/>'; }).join("") + "</w:tblGrid>" +
      head + rows + "</w:tbl><w:p/>";
  };
  Writer.prototype.document = function (doc) {
    var self = this;
    var body = doc.blocks.map(function (b) { return b.widths ? self.table(b) : self.paragraph(b); }).join("");
    var m = twips(MARGIN_MM);
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ' + NS + "><w:body>" + body +
      '<w:sectPr><w:pgSz w:w="' + twips(PAGE_MM[0]) + '" w:h="' + twips(PAGE_MM[1]) + '" w:orient="landscape"/>' +
      '<w:pgMar w:top="' + m + '" w:right="' + m + '" w:bottom="' + m + '" w:left="' + m +
      '" w:header="425" w:footer="425" w:gutter="0"/></w:sectPr></w:body></w:document>';
  };

  function parts(doc) {
    var writer = new Writer(doc.link);
    var document = writer.document(doc);  // first: it gathers the links
    var font = esc(doc.font), size = Math.round((doc.size || 9) * 2);
    var xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
    return [
      ["[Content_Types].xml", xml + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'],
      ["_rels/.rels", xml + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="' + REL + 'officeDocument" Target="word/document.xml"/>' +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'],
      ["docProps/core.xml", xml + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ' +
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>' + esc(doc.title) + "</dc:title>" +
        "<dc:creator>compare</dc:creator>" + (doc.created ? '<dcterms:created xsi:type="dcterms:W3CDTF">' +
        esc(doc.created) + "</dcterms:created>" : "") + "</cp:coreProperties>"],
      ["word/_rels/document.xml.rels", xml + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rIdS" Type="' + REL + 'styles" Target="styles.xml"/>' +
        writer.links.map(function (url, k) {
          return '<Relationship Id="rIdL' + (k + 1) + '" Type="' + REL + 'hyperlink" Target="' + esc(url) + '" TargetMode="External"/>';
        }).join("") + "</Relationships>"],
      ["word/styles.xml", xml + "<w:styles " + NS + "><w:docDefaults><w:rPrDefault><w:rPr>" +
        '<w:rFonts w:ascii="' + font + '" w:hAnsi="' + font + '" w:eastAsia="' + font + '" w:cs="' + font + '"/>' +
        '<w:sz w:val="' + size + '"/><w:szCs w:val="' + size + '"/><w:lang w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>' +
        '<w:pPrDefault><w:pPr><w:spacing w:after="40"/></w:pPr></w:pPrDefault></w:docDefaults>' +
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>' +
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>' +
        '<w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="120"/><w:outlineLvl w:val="0"/>' +
        '</w:pPr><w:rPr><w:b/><w:sz w:val="28"/></w:rPr></w:style>' +
        '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/>' +
        '<w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="160" w:after="80"/><w:outlineLvl w:val="1"/>' +
        '</w:pPr><w:rPr><w:b/><w:sz w:val="24"/></w:rPr></w:style></w:styles>'],
      ["word/document.xml", document]
    ];
  }

  /* A zip of stored (uncompressed) entries: what a .docx is, without a compression library. */
  var CRC = (function () {
    var table = [];
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
      table.push(c >>> 0);
    }
    return table;
  })();
  function crc32(bytes) {
    var c = 0xFFFFFFFF;
    for (var i = 0; i < bytes.length; i++) c = CRC[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8);
    return (c ^ 0xFFFFFFFF) >>> 0;
  }
  function zip(files) {
    var encoder = new TextEncoder(), chunks = [], central = [], offset = 0;
    function header(size) { var b = new DataView(new ArrayBuffer(size)); return b; }
    files.forEach(function (f) {
      var name = encoder.encode(f[0]), data = encoder.encode(f[1]), crc = crc32(data);
      var local = header(30);  // signature, version 2.0, flags (UTF-8 names), stored, time 0, 1980-01-01
      local.setUint32(0, 0x04034b50, true); local.setUint16(4, 20, true); local.setUint16(6, 0x0800, true);
      local.setUint16(12, 0x21, true); local.setUint32(14, crc, true);
      local.setUint32(18, data.length, true); local.setUint32(22, data.length, true); local.setUint16(26, name.length, true);
      var dir = header(46);
      dir.setUint32(0, 0x02014b50, true); dir.setUint16(4, 20, true); dir.setUint16(6, 20, true);
      dir.setUint16(8, 0x0800, true); dir.setUint16(14, 0x21, true); dir.setUint32(16, crc, true);
      dir.setUint32(20, data.length, true); dir.setUint32(24, data.length, true); dir.setUint16(28, name.length, true);
      dir.setUint32(42, offset, true);
      chunks.push(local, name, data);
      central.push(dir, name);
      offset += 30 + name.length + data.length;
    });
    var size = central.reduce(function (a, b) { return a + b.byteLength; }, 0);
    var end = header(22);
    end.setUint32(0, 0x06054b50, true); end.setUint16(8, files.length, true); end.setUint16(10, files.length, true);
    end.setUint32(12, size, true); end.setUint32(16, offset, true);
    return new Blob(chunks.concat(central, [end]), {
      type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    });
  }

  function save(doc, filename) {  // the document, downloaded as ``filename``
    var url = URL.createObjectURL(zip(parts(doc)));
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  /* A page's words as runs: text as it reads, <mark> highlighted (the decisive words). */
  function clauseRuns(element) {
    var runs = [];
    Array.prototype.forEach.call(element ? element.childNodes : [], function (node) {
      var text = node.textContent;
      if (text) runs.push({ t: text, m: node.nodeName === "MARK" });
    });
    return runs;
  }
  function absolute(href) { return new URL(href, location.href).href; }

  window.CompareWord = { save: save, clauseRuns: clauseRuns, absolute: absolute };
})();
