using System.Collections.Frozen;

namespace OrleansRep.Storage.Tree;

/// <summary>The set of named databases as of a commit version; creating or dropping a database makes a new one.</summary>
internal sealed class CatalogVersion
{
    public CatalogVersion(long version, IEnumerable<DatabaseState> databases, uint nextId, CatalogVersion? older)
    {
        Version = version;
        ByName = databases.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);
        ById = ByName.Values.ToFrozenDictionary(d => d.Id);
        NextId = nextId;
        Older = older;
    }

    public long Version { get; }

    public FrozenDictionary<string, DatabaseState> ByName { get; }

    public FrozenDictionary<uint, DatabaseState> ById { get; }

    public uint NextId { get; }

    public volatile CatalogVersion? Older;

    public static CatalogVersion? Resolve(CatalogVersion? head, long snapshot)
    {
        var c = head;
        while (c != null && c.Version > snapshot)
        {
            c = c.Older;
        }

        return c;
    }
}
