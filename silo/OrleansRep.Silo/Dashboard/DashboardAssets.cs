using System.Collections.Frozen;
using System.Reflection;

namespace OrleansRep.Silo.Dashboard;

/// <summary>The page's files (plain HTML, CSS and JavaScript, no build step), embedded in the silo assembly and served
/// from memory: the page needs nothing from outside the site (no CDN).</summary>
internal static class DashboardAssets
{
    private const string Prefix = "OrleansRep.Silo.Dashboard.";

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = Load();

    /// <summary>The file named <paramref name="name"/> ("index.html", "dashboard.js", ...), or false.</summary>
    public static bool TryGet(string name, out byte[] content, out string contentType)
    {
        var found = Files.TryGetValue(name, out var file);
        (content, contentType) = found ? file : ([], "");
        return found;
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var name = resource[Prefix.Length..];
            files[name] = (memory.ToArray(), ContentType(name));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
