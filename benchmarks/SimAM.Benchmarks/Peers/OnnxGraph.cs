using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace SimAM.Benchmarks.Peers;

/// <summary>
/// Reads the node list of an ONNX model's main graph straight from its protobuf bytes: enough to count what ORT runs
/// after its optimisations, without a protobuf or onnx package (ModelProto.graph is field 7, GraphProto.node field 1,
/// NodeProto.op_type field 4 and domain field 7; onnx.proto3).
/// </summary>
internal static class OnnxGraph
{
    private const int VarintWire = 0;
    private const int Fixed64Wire = 1;
    private const int LengthWire = 2;
    private const int Fixed32Wire = 5;

    /// <summary>Gets the operator of every node of the model's graph, in order.</summary>
    /// <param name="model">The serialized ModelProto.</param>
    /// <returns>op_type per node, prefixed with its domain when that is not the default ONNX one.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    public static IReadOnlyList<string> Operators(ReadOnlySpan<byte> model)
    {
        var operators = new List<string>();
        foreach (var (field, graph) in Fields(model))
        {
            if (field != 7)
            {
                continue;
            }

            foreach (var (graphField, node) in Fields(graph))
            {
                if (graphField != 1)
                {
                    continue;
                }

                string opType = string.Empty, domain = string.Empty;
                foreach (var (nodeField, value) in Fields(node))
                {
                    if (nodeField == 4)
                    {
                        opType = Encoding.UTF8.GetString(value);
                    }
                    else if (nodeField == 7)
                    {
                        domain = Encoding.UTF8.GetString(value);
                    }
                }

                operators.Add(domain is "" or "ai.onnx" ? opType : $"{domain}.{opType}");
            }
        }

        return operators;
    }

    /// <summary>The length-delimited fields of a message (number and bytes); the other wire types are skipped.</summary>
    private static List<(int Field, byte[] Value)> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<(int, byte[])>();
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            var field = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case VarintWire:
                    Varint(message, ref position);
                    break;
                case Fixed64Wire:
                    position += 8;
                    break;
                case Fixed32Wire:
                    position += 4;
                    break;
                case LengthWire:
                    var length = Varint(message, ref position);
                    if (length > (ulong)(message.Length - position))
                    {
                        throw new InvalidDataException($"field {field}: {length} bytes run past the message's end");
                    }

                    fields.Add((field, message.Slice(position, (int)length).ToArray()));
                    position += (int)length;
                    break;
                default:
                    throw new InvalidDataException($"field {field}: wire type {key & 7} is not used by onnx.proto3");
            }
        }

        return position == message.Length ? fields : throw new InvalidDataException("a field runs past the message's end");
    }

    private static ulong Varint(ReadOnlySpan<byte> message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new InvalidDataException("a varint runs past the message's end");
            }

            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("a varint longer than 10 bytes");
    }
}
