"""Concurrent, cached, accounted LLM task execution over OpenAI-compatible, Claude agent, embedded llama.cpp and scripted backends."""
