namespace OrleansRep.Storage.Log;

/// <summary>Kinds of operation inside a transaction's log records. Wire values are stable.</summary>
public enum TxnOpKind : byte
{
    Put = 1,
    Delete = 2,
    CreateDatabase = 3,
    DropDatabase = 4,
}
