// A stored conversation drawn as the chat draws it, and the history it gives the next question.
import { AnswerView, questionView } from './answer.js';

export function transcript(messages, render, { withFeedback }) {
  return messages.map((message) => (message.role === 'user'
    ? questionView(message.content)
    : new AnswerView(render).showStored(message, { withFeedback }).root));
}

// Like a live chat, only questions whose answer finished go back to the model as history.
export function storedTurns(messages) {
  const turns = [];
  messages.forEach((message, index) => {
    const asked = messages[index - 1];
    if (message.role === 'assistant' && message.status === 'complete' && asked?.role === 'user') {
      turns.push({ role: 'user', content: asked.content }, { role: 'assistant', content: message.content });
    }
  });
  return turns;
}
