// A short label for a User-Agent header ("Chrome 131 · Windows", "curl 8.5.0"); the raw value
// otherwise. Names of browsers and systems are not translated.

const BROWSERS = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/OPR\/(\d+)/, 'Opera'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/HeadlessChrome\/(\d+)/, 'Headless Chrome'],
  [/(?:Chrome|CriOS)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
]

const SYSTEMS = [
  [/Windows NT/, 'Windows'],
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

// Command-line tools and HTTP libraries put their name and version first; show those.
const TOOLS = /^(curl|Wget|PostmanRuntime|python-requests|Go-http-client|okhttp|axios|node-fetch|HTTPie|insomnia)\/([\w.-]+)/i

export function clientLabel(ua) {
  const s = String(ua || '').trim()
  if (!s) return ''
  const tool = TOOLS.exec(s)
  if (tool) return `${tool[1]} ${tool[2]}`
  const browser = BROWSERS.map(([re, name]) => {
    const m = re.exec(s)
    return m ? `${name} ${m[1]}` : ''
  }).find(Boolean)
  const system = SYSTEMS.find(([re]) => re.test(s))?.[1]
  if (browser) return system ? `${browser} · ${system}` : browser
  return s.length > 60 ? `${s.slice(0, 57)}…` : s
}
