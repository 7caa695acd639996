// Render speaks render.js's protocol (one JSON request per line on stdin,
// one JSON answer per line on stdout) on Apache Velocity 1.7, the Java
// engine API Gateway's mapping templates follow. It cross-checks velocityjs
// and the Java behaviour render.js restores:
//
//   apt-get install velocity libjackson2-databind-java   # Debian
//   PAYMENTAPI_VTL_ENGINE=$PWD/tools/vtl/java/velocity17.sh go test ./api ./internal/vtl
//
// Its $input and $util follow the same reading of AWS's reference as
// render.js; it checks the engine, not API Gateway's own variables.
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.commons.lang.StringEscapeUtils;
import java.io.*;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class Render {
  static final ObjectMapper M = new ObjectMapper();

  public static class FinalMap extends LinkedHashMap<String, Object> {
    final String prefix;
    FinalMap(String prefix) { this.prefix = prefix; }
    @Override public Object put(String k, Object v) {
      if (containsKey(k)) throw new IllegalStateException(prefix + "." + k + " set twice; API Gateway answers 5XX (overrides are final)");
      return super.put(k, v);
    }
  }

  static String notNull(String fn, String s) {
    if (s == null) throw new IllegalArgumentException("$util." + fn + " was given a null reference; API Gateway fails the request");
    return s;
  }

  static Object readJSON(String s, String what) {
    try {
      return M.readValue(s, Object.class);
    } catch (Exception e) {
      throw new IllegalArgumentException(what + ": invalid JSON (" + e.getMessage() + "); API Gateway fails the request");
    }
  }

  public static class Util {
    public String escapeJavaScript(String s) { return StringEscapeUtils.escapeJavaScript(s); }
    public Object parseJson(String s) throws Exception {
      return readJSON(notNull("parseJson", s), "$util.parseJson");
    }
    public String base64Encode(String s) { return Base64.getEncoder().encodeToString(notNull("base64Encode", s).getBytes(StandardCharsets.UTF_8)); }
    public String base64Decode(String s) { return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8); }
    public String urlEncode(String s) throws Exception { return URLEncoder.encode(s, "UTF-8"); }
    public String urlDecode(String s) throws Exception { return URLDecoder.decode(s, "UTF-8"); }
  }

  public static class Input {
    final String body;
    final Map<String, Object> params;
    Object doc; boolean parsed;
    Input(String body, Map<String, Object> params) { this.body = body; this.params = params; }
    public String getBody() { return body; }
    Object doc() throws Exception {
      if (!parsed) { doc = readJSON(body, "$input.path/$input.json on the body"); parsed = true; }
      return doc;
    }
    Object walk(String p) throws Exception {
      Object n = doc();
      if (!p.startsWith("$")) throw new IllegalArgumentException("bad path " + p);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.([A-Za-z_$][\\w$-]*)|\\['([^']*)'\\]|\\[(\\d+)\\]").matcher(p.substring(1));
      while (m.find()) {
        if (n == null) return null;
        if (m.group(3) != null) n = (n instanceof List) ? ((List<?>) n).get(Integer.parseInt(m.group(3))) : null;
        else n = (n instanceof Map) ? ((Map<?, ?>) n).get(m.group(1) != null ? m.group(1) : m.group(2)) : null;
      }
      return n;
    }
    public Object path(String p) throws Exception { return walk(p); }
    public String json(String p) throws Exception { return M.writeValueAsString(walk(p)); }
    public Map<String, Object> params() { return params; }
    @SuppressWarnings("unchecked")
    public String params(String name) {
      for (String k : new String[]{"path", "querystring", "header"}) {
        Map<String, Object> m = (Map<String, Object>) params.get(k);
        if (m.containsKey(name)) return (String) m.get(name);
      }
      return "";
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> mapOf(Map<String, Object> req, String key) {
    Object v = req.get(key);
    return v == null ? Map.of() : (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    VelocityEngine ve = new VelocityEngine();
    ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
    ve.init();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      Map<String, Object> ans = new LinkedHashMap<>();
      try {
        Map<String, Object> req = M.readValue(line, Map.class);
        String body = req.get("body") == null ? "" : (String) req.get("body");
        if (req.get("bodyBase64") instanceof String) body = new String(Base64.getDecoder().decode((String) req.get("bodyBase64")), StandardCharsets.UTF_8);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("path", new LinkedHashMap<>(mapOf(req, "path")));
        params.put("querystring", new LinkedHashMap<>(mapOf(req, "querystring")));
        params.put("header", new LinkedHashMap<>(mapOf(req, "headers")));
        Map<String, Object> ctx = new LinkedHashMap<>(mapOf(req, "context"));
        FinalMap header = new FinalMap("$context.responseOverride.header");
        FinalMap resp = new FinalMap("$context.responseOverride");
        resp.put("header", header);
        ctx.put("responseOverride", resp);
        VelocityContext vc = new VelocityContext();
        vc.put("input", new Input(body, params));
        vc.put("util", new Util());
        vc.put("context", ctx);
        StringWriter w = new StringWriter();
        ve.evaluate(vc, w, "template", (String) req.get("template"));
        ans.put("output", w.toString());
        Object st = resp.get("status");
        ans.put("statusOverride", st == null ? null : Integer.parseInt(st.toString()));
        Map<String, String> h = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) h.put(e.getKey(), String.valueOf(e.getValue()));
        ans.put("headerOverrides", h);
        ans.put("requestOverrides", Map.of());
      } catch (Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) c = c.getCause();
        ans.clear();
        ans.put("error", c.getMessage() + " (" + e.getClass().getSimpleName() + ")");
      }
      out.println(M.writeValueAsString(ans));
    }
  }
}
