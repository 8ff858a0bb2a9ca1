namespace OrleansRep.Storage.Tree;

/// <summary>One named database: its id and the head of its root's version chain.</summary>
internal sealed class DatabaseState(uint id, string name, Node? root)
{
    private Node? _root = root;

    public uint Id { get; } = id;

    public string Name { get; } = name;

    public Node? Root => Volatile.Read(ref _root);

    /// <summary>Leaf visits by readers (point reads and cursor moves); cache hits are these minus page loads.</summary>
    public Stats.StripedCounter LeafVisits { get; } = new();

    public void SetRoot(Node? node) => Volatile.Write(ref _root, node);
}
